using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Issue 9: what two replicas of one node share through their database. Reference numbers come from blocks of one
/// sequence, so creates on both replicas at once never share a number; the feed and audit sequencers run on one replica
/// at a time (a session advisory lock), and when that replica stops the other takes over and numbers what is left.
/// </summary>
public sealed class ReplicaHandOverTests
{
    [Test]
    public async Task TwoReplicasCreatingAtOnce_ReferenceNumbersUnique_AndSequencersHandOverWhenTheLeaderStops()
    {
        await using var pair = await NodePair.UnstartedAsync();
        var (fr, gb) = (pair.Fr, pair.Gb);
        await gb.StartAsync();
        await fr.StartAsync(); // first: it takes both sequencers' locks
        await NodePair.EventuallyAsync(() => HoldersAsync(fr.ConnectionString), h => h.Count == 2, because: "FR leads both sequencers");
        var leader = await HoldersAsync(fr.ConnectionString);
        var replica = fr.Replica();
        await using var _ = replica;
        await replica.StartAsync();

        // Creates on both replicas at once: each draws its numbers from its own block of the one sequence.
        var onA = await fr.MinistryAsync();
        var onB = await replica.MinistryAsync();
        const int perReplica = 2 * NodeDbContext.ReferenceBlockSize / 3; // both replicas draw from a second block
        var creates = Enumerable.Range(0, 2 * perReplica).Select(async i =>
        {
            using var created = await NodePair.PostReferralAsync(i % 2 == 0 ? onA : onB, NodePair.ExampleReferral());
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            return JsonNode.Parse(await created.Content.ReadAsStringAsync())!["reference"]!.GetValue<string>();
        });
        var references = await Task.WhenAll(creates);
        Assert.That(references, Is.Unique, "no two referrals share a reference number");
        var stored = await Db.ColumnAsync(fr.ConnectionString, "SELECT reference FROM referrals");
        Assert.That(stored, Is.Unique.And.Count.EqualTo(2 * perReplica));
        // Receipts add feed events: the feed is judged once they are all in (CI caught two arriving during the check).
        await DeliveredAsync(fr.ConnectionString, 2 * perReplica);
        await Db.AssertFeedGapFreeAsync(fr.ConnectionString);
        await AuditSequencedAsync(fr.ConnectionString);

        // The leader stops: its session ends, and with it both locks. The other replica numbers what comes next.
        await fr.StopAsync();
        var sequencedBefore = await Db.CountAsync(fr.ConnectionString, "SELECT count(*) FROM feed_events WHERE position IS NOT NULL");
        for (var i = 0; i < 3; i++)
        {
            using var created = await NodePair.PostReferralAsync(onB, NodePair.ExampleReferral());
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        await NodePair.EventuallyAsync(
            () => Db.CountAsync(fr.ConnectionString, "SELECT count(*) FROM feed_events WHERE position IS NOT NULL"),
            n => n > sequencedBefore, TimeSpan.FromSeconds(30), "the remaining replica took over the feed sequencer");
        await DeliveredAsync(fr.ConnectionString, 2 * perReplica + 3);
        await Db.AssertFeedGapFreeAsync(fr.ConnectionString);
        await AuditSequencedAsync(fr.ConnectionString);
        var holders = await HoldersAsync(fr.ConnectionString);
        Assert.That(holders, Has.Count.EqualTo(2).And.No.AnyOf(leader.ToArray()), "both locks are held by the other replica's sessions now");
        // One statement, one snapshot: the sequencer may append between two reads.
        Assert.That(await Db.CountAsync(fr.ConnectionString, "SELECT count(*) - (coalesce(max(log_index), -1) + 1) FROM audit_entries"), Is.Zero,
            "the audit log stays contiguous across the hand-over");
    }

    /// <summary>The sessions (backend pids) holding the feed and audit sequencers' advisory locks.</summary>
    private static async Task<List<string?>> HoldersAsync(string connectionString) => await Db.ColumnAsync(connectionString, $"""
        SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((classid::bigint << 32) | objid::bigint) IN ({LockIds.FeedSequencer}, {LockIds.AuditSequencer})
        """);

    private static Task DeliveredAsync(string connectionString, int count) => NodePair.EventuallyAsync(
        () => Db.OutgoingAsync(connectionString, "delivered"), n => n == count, TimeSpan.FromSeconds(60), "every referral is delivered");

    /// <summary>Every committed audit entry has left the pending table for the log.</summary>
    private static Task AuditSequencedAsync(string connectionString) => NodePair.EventuallyAsync(
        () => Db.CountAsync(connectionString, "SELECT count(*) FROM audit_pending"), n => n == 0, TimeSpan.FromSeconds(30),
        "the audit sequencer moved every pending entry into the log");
}
