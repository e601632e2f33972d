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
        await using var pair = await NodePair.UnstartedAsync();
        var (fr, gb) = (pair.Fr, pair.Gb);

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
}
