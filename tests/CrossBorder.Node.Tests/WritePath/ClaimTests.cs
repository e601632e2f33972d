using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Data;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Issue 9: the outbox claim. It runs at every commit and every finished send, so PostgreSQL keeps its plan; it is taken
/// in power-of-two parts under one token, never more than is due.
/// </summary>
public sealed class ClaimTests
{
    /// <summary>
    /// The claim runs at every commit and every finished send, so PostgreSQL must keep its plan instead of planning it
    /// each time: a prepared claim is on its generic plan after the few custom plans PostgreSQL tries first (with its
    /// size a parameter and its peer filters optional, the generic plan looked dearer and every claim was planned anew).
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public async Task Claim_KeepsItsPlan_OnceTheFirstFewAreMade(bool probe)
    {
        var onlyTo = probe ? "GB" : null;
        await using var db = await RowBatchTests.MigratedAsync();
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString()!);
        await connection.OpenAsync();
        // A backlog the statistics know of (what made the generic plan look dear): queued messages, no referral rows (the
        // claim's join then updates nothing, and only its plan is under test).
        await using (var backlog = new NpgsqlCommand("""
            SET session_replication_role = replica;
            INSERT INTO messages (id, referral_id, direction, seq, type, from_country, to_country, sent_at, jws, digest, state, attempts)
            SELECT gen_random_uuid(), gen_random_uuid(), 'outgoing', 1, 'referral', 'FR', 'GB', now(), '\x00', 'd',
                   CASE WHEN n % 2 = 0 THEN 'queued' ELSE 'delivered' END, 0
            FROM generate_series(1, 4000) n;
            SET session_replication_role = DEFAULT;
            ANALYZE messages;
            """, connection))
            await backlog.ExecuteNonQueryAsync();
        var sql = OutboxDispatcher.ClaimSqlFor(16, [], onlyTo);
        for (var run = 0; run < 8; run++)
        {
            await using var claim = new NpgsqlCommand(sql, connection);
            claim.Parameters.Add(new NpgsqlParameter { Value = TimeSpan.FromSeconds(10), NpgsqlDbType = NpgsqlDbType.Interval });
            claim.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            if (onlyTo is not null)
                claim.Parameters.Add(new NpgsqlParameter { Value = onlyTo, NpgsqlDbType = NpgsqlDbType.Varchar });
            await claim.PrepareAsync();
            await using var rows = await claim.ExecuteReaderAsync();
            Assert.That(await rows.ReadAsync(), Is.False, "no referral rows to join");
        }

        await using var plans = new NpgsqlCommand(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE '%FOR UPDATE OF m SKIP LOCKED%'", connection);
        Assert.That(await plans.ExecuteScalarAsync(), Is.GreaterThan(0L));
    }

    [TestCase(1, 1)]
    [TestCase(3, 2)]
    [TestCase(16, 16)]
    [TestCase(17, 16)]
    [TestCase(1000, 512)]
    public void ClaimSize_IsThePowerOfTwoNotAboveWhatIsWanted(int wanted, int size) =>
        Assert.That(OutboxDispatcher.ClaimSize(wanted), Is.EqualTo(size));

    /// <summary>
    /// A claim is taken in power-of-two parts (14 is 8, 4 and 2), under one token: all that is asked for while enough
    /// is due, what is left when less is, never more.
    /// </summary>
    [Test]
    public async Task Claim_TakesWhatIsAskedInParts_UnderOneToken_AndNoMoreThanIsDue()
    {
        await using var db = await RowBatchTests.MigratedAsync();
        var connectionString = db.Database.GetConnectionString()!;
        await QueueAsync(db, 20);
        await using var pool = NpgsqlDataSource.Create(connectionString);
        var dispatcher = Dispatcher(pool);

        Assert.That(await dispatcher.ClaimAsync(14, ["GB"], CancellationToken.None), Is.Empty, "every message is to the excluded peer");
        var first = await dispatcher.ClaimAsync(14, [], CancellationToken.None);
        Assert.That(first, Has.Count.EqualTo(14), "8 + 4 + 2 of the 20 due");
        Assert.That(first.Select(c => c.Token).Distinct().Count(), Is.EqualTo(1), "one claim, one token");
        var second = await dispatcher.ClaimAsync(14, [], CancellationToken.None);
        Assert.That(second, Has.Count.EqualTo(6), "what is left, in a part of 8 that comes back short");
        Assert.That(first.Concat(second).Select(c => c.MessageId).Distinct().Count(), Is.EqualTo(20), "no message claimed twice");
        Assert.That(await dispatcher.ClaimAsync(14, [], CancellationToken.None), Is.Empty);
        Assert.That(await dispatcher.ClaimAsync(1, [], CancellationToken.None, onlyTo: "GB"), Is.Empty, "the probe's form: nothing left");
        Assert.That(await Db.CountAsync(connectionString,
            $"SELECT count(*) FROM messages WHERE lease_token = '{first[0].Token}' AND attempts = 1"), Is.EqualTo(14));
    }

    /// <summary>
    /// Each part commits on its own: when a later part fails, the rows an earlier part claimed are returned (to be sent
    /// now, not left leased and unsent until their lease lapses), and the failed part's rows stay unclaimed.
    /// </summary>
    [Test]
    public async Task Claim_WhenALaterPartFails_ReturnsTheRowsAlreadyClaimed_AndLeavesTheRestUnclaimed()
    {
        await using var db = await RowBatchTests.MigratedAsync();
        var connectionString = db.Database.GetConnectionString()!;
        await QueueAsync(db, 20);
        // The tenth message in id order (the second part's second row, for a claim of 12 = 8 + 4) cannot be claimed.
        var tenth = (await Db.ColumnAsync(connectionString, "SELECT id::text FROM messages ORDER BY id OFFSET 9 LIMIT 1")).Single();
        await using (var poison = new NpgsqlCommand($"""
            CREATE FUNCTION refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'claim refused'; END $$;
            CREATE TRIGGER refuse_claim BEFORE UPDATE OF lease_token ON messages FOR EACH ROW
            WHEN (OLD.id = '{tenth}'::uuid) EXECUTE FUNCTION refuse_claim();
            """, (NpgsqlConnection)db.Database.GetDbConnection()))
        {
            await db.Database.OpenConnectionAsync();
            await poison.ExecuteNonQueryAsync();
        }
        await using var pool = NpgsqlDataSource.Create(connectionString);

        var claimed = await Dispatcher(pool).ClaimAsync(12, [], CancellationToken.None);

        Assert.That(claimed, Has.Count.EqualTo(8), "the first part's rows, held");
        Assert.That(await Db.CountAsync(connectionString, "SELECT count(*) FROM messages WHERE lease_token IS NOT NULL"), Is.EqualTo(8),
            "the failed part claimed nothing");
        Assert.That(await Db.CountAsync(connectionString,
            $"SELECT count(*) FROM messages WHERE lease_token = '{claimed[0].Token}' AND id = ANY(ARRAY[{string.Join(",", claimed.Select(c => $"'{c.MessageId}'::uuid"))}])"),
            Is.EqualTo(8), "the rows returned are the rows leased");
    }

    /// <summary>One queued outgoing message for each of <paramref name="count"/> new referrals (the claim joins the referral).</summary>
    private static async Task QueueAsync(NodeDbContext db, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var referral = RowBatchTests.NewReferral();
            referral.Reference = $"FR-5-2026-{i:D6}";
            db.Add(referral);
        }
        await db.SaveChangesAsync();
        await using var queue = new NpgsqlCommand("""
            INSERT INTO messages (id, referral_id, direction, seq, type, from_country, to_country, sent_at, jws, digest, state, attempts)
            SELECT gen_random_uuid(), id, 'outgoing', 1, 'referral', 'FR', 'GB', now(), '\x00', 'd', 'queued', 0 FROM referrals
            """, (NpgsqlConnection)db.Database.GetDbConnection());
        await db.Database.OpenConnectionAsync();
        Assert.That(await queue.ExecuteNonQueryAsync(), Is.EqualTo(count));
        await db.Database.CloseConnectionAsync();
    }

    /// <summary>A dispatcher for its claim alone: the claim uses only the pool and the lease.</summary>
    private static OutboxDispatcher Dispatcher(NpgsqlDataSource pool) =>
        new(null!, pool, null!, new PeerHealth(TimeProvider.System), null!, new NodeActivity(), Options.Create(new ExchangeOptions()),
            NullLogger<OutboxDispatcher>.Instance);
}
