using System.Net;
using Microsoft.EntityFrameworkCore;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Issue 9: a replica renews the lease of a send it is still making. With a 2 s lease and a send that hangs far longer
/// (the peer accepts the connection and never answers), the other replica never takes the message over: the claim's
/// token and attempt count stay those of the first claim while its lease keeps moving forward.
/// </summary>
public sealed class LeaseRenewalTests
{
    [Test]
    public async Task SendLongerThanItsLease_HolderRenews_OtherReplicaNeverClaimsIt()
    {
        var clock = new TestClock();
        await using var fr = new TestNode("FR", await TestDatabase.CreateAsync("fr"), clock);
        await using var gb = new TestNode("GB", await TestDatabase.CreateAsync("gb"), clock);
        fr.Peer = gb;
        gb.Peer = fr;

        // GB's port accepts connections and never answers: the send hangs, holding its claim.
        await using var blackhole = new BlackholePeer(gb.Port);
        void ShortLease(Dictionary<string, string?> c)
        {
            c["Exchange:Lease"] = "00:00:02";
            c["Exchange:AttemptTimeout"] = "00:01:00"; // hang, do not fail
        }
        await fr.StartAsync(ShortLease);
        var replica = fr.Replica();
        await using var _ = replica;
        await replica.StartAsync(ShortLease);

        using var created = await NodePair.PostReferralAsync(await fr.MinistryAsync(), NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        const string Claim = "SELECT lease_token || '|' || attempts FROM messages WHERE direction = 'outgoing'";
        await NodePair.EventuallyAsync(() => Db.ColumnAsync(fr.ConnectionString, Claim), c => c.Single() is not null,
            because: "a replica claims the message and starts sending it");
        var first = (await Db.ColumnAsync(fr.ConnectionString, Claim)).Single();
        var claimedAt = DateTimeOffset.Parse((await Db.ColumnAsync(fr.ConnectionString,
            "SELECT to_char(last_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM messages WHERE direction = 'outgoing'")).Single()!,
            System.Globalization.CultureInfo.InvariantCulture);

        // Three leases past the claim, on the database clock: only renewals can have kept it.
        await NodePair.EventuallyAsync(() => Db.CountAsync(fr.ConnectionString,
                $"SELECT count(*) FROM messages WHERE direction = 'outgoing' AND lease_until > timestamptz '{claimedAt:O}' + interval '6 seconds'"),
            n => n == 1, TimeSpan.FromSeconds(20), "the holder renewed its lease while it was still sending");
        Assert.That((await Db.ColumnAsync(fr.ConnectionString, Claim)).Single(), Is.EqualTo(first),
            "the same claim (token and attempt) holds the message: the other replica never took it over");
        Assert.That(await Db.OutgoingAsync(fr.ConnectionString, "queued"), Is.EqualTo(1), "still queued, not failed or dead");
    }

    /// <summary>
    /// The renewal runs every third of a lease on every replica, so it must not read the outbox's whole history: with
    /// sequential scans priced out, its plan finds the rows by primary key (by lease token alone it had to scan).
    /// </summary>
    [Test]
    public async Task Renewal_FindsItsRowsByKey_NotByScanningEveryMessage()
    {
        await using var db = await Data.RowBatchTests.MigratedAsync();
        var connectionString = db.Database.GetConnectionString()!;
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off", connection))
            await off.ExecuteNonQueryAsync();
        await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN " + CrossBorder.Node.Exchange.OutboxDispatcher.RenewSql, connection);
        explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = new[] { Guid.NewGuid() } });
        explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = new[] { Guid.NewGuid() } });
        explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = TimeSpan.FromSeconds(10), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval });
        var plan = new List<string>();
        await using (var rows = await explain.ExecuteReaderAsync())
            while (await rows.ReadAsync())
                plan.Add(rows.GetString(0));

        Assert.That(string.Join("\n", plan), Does.Not.Contain("Seq Scan").And.Contain("PK_messages"));
    }

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
        await using var db = await Data.RowBatchTests.MigratedAsync();
        await using var connection = new Npgsql.NpgsqlConnection(db.Database.GetConnectionString()!);
        await connection.OpenAsync();
        // A backlog the statistics know of (what made the generic plan look dear): queued messages, no referral rows (the
        // claim's join then updates nothing, and only its plan is under test).
        await using (var backlog = new Npgsql.NpgsqlCommand("""
            SET session_replication_role = replica;
            INSERT INTO messages (id, referral_id, direction, seq, type, from_country, to_country, sent_at, jws, digest, state, attempts)
            SELECT gen_random_uuid(), gen_random_uuid(), 'outgoing', 1, 'referral', 'FR', 'GB', now(), '\x00', 'd',
                   CASE WHEN n % 2 = 0 THEN 'queued' ELSE 'delivered' END, 0
            FROM generate_series(1, 4000) n;
            SET session_replication_role = DEFAULT;
            ANALYZE messages;
            """, connection))
            await backlog.ExecuteNonQueryAsync();
        var sql = CrossBorder.Node.Exchange.OutboxDispatcher.ClaimSqlFor(16, [], onlyTo);
        for (var run = 0; run < 8; run++)
        {
            await using var claim = new Npgsql.NpgsqlCommand(sql, connection);
            claim.Parameters.Add(new Npgsql.NpgsqlParameter { Value = TimeSpan.FromSeconds(10), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval });
            claim.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.NewGuid() });
            if (onlyTo is not null)
                claim.Parameters.Add(new Npgsql.NpgsqlParameter { Value = onlyTo, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
            await claim.PrepareAsync();
            await using var rows = await claim.ExecuteReaderAsync();
            Assert.That(await rows.ReadAsync(), Is.False, "no referral rows to join");
        }

        await using var plans = new Npgsql.NpgsqlCommand(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE '%FOR UPDATE OF m SKIP LOCKED%'", connection);
        Assert.That(await plans.ExecuteScalarAsync(), Is.GreaterThan(0L));
    }

    [TestCase(1, 1)]
    [TestCase(3, 2)]
    [TestCase(16, 16)]
    [TestCase(17, 16)]
    [TestCase(1000, 512)]
    public void ClaimSize_IsThePowerOfTwoNotAboveWhatIsWanted(int wanted, int size) =>
        Assert.That(CrossBorder.Node.Exchange.OutboxDispatcher.ClaimSize(wanted), Is.EqualTo(size));

    /// <summary>
    /// A claim is taken in power-of-two parts (14 is 8, 4 and 2), under one token: all that is asked for while enough
    /// is due, what is left when less is, never more.
    /// </summary>
    [Test]
    public async Task Claim_TakesWhatIsAskedInParts_UnderOneToken_AndNoMoreThanIsDue()
    {
        await using var db = await Data.RowBatchTests.MigratedAsync();
        var connectionString = db.Database.GetConnectionString()!;
        for (var i = 0; i < 20; i++)
        {
            var referral = Data.RowBatchTests.NewReferral();
            referral.Reference = $"FR-5-2026-{i:D6}";
            db.Add(referral);
        }
        await db.SaveChangesAsync();
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString))
        await using (var queue = dataSource.CreateCommand("""
            INSERT INTO messages (id, referral_id, direction, seq, type, from_country, to_country, sent_at, jws, digest, state, attempts)
            SELECT gen_random_uuid(), id, 'outgoing', 1, 'referral', 'FR', 'GB', now(), '\x00', 'd', 'queued', 0 FROM referrals
            """))
            Assert.That(await queue.ExecuteNonQueryAsync(), Is.EqualTo(20));

        await using var pool = Npgsql.NpgsqlDataSource.Create(connectionString);
        var dispatcher = new CrossBorder.Node.Exchange.OutboxDispatcher(null!, pool, null!, new CrossBorder.Node.Peers.PeerHealth(TimeProvider.System),
            null!, Microsoft.Extensions.Options.Options.Create(new CrossBorder.Node.Exchange.ExchangeOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CrossBorder.Node.Exchange.OutboxDispatcher>.Instance);

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
}
