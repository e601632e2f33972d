using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Lifecycle;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Every unit of work holds at most one pooled connection at a time, so a node keeps working with a pool far smaller
/// than its concurrency: the units queue for connections, none waits for a second one while holding its first (a
/// hold-and-wait: with every connection held so, none would come back before the pool's timeout). Found once with a
/// pool of 8 in `bench write` (a peer's submission refilled its reference block from the same pool: FR's outbox
/// stopped draining; Data/SidePoolTests), and once by reading (a security event recorded inside a step's
/// transaction: Data/SecurityEventPoolTests). This runs the exchange itself that way.
/// </summary>
public sealed class SmallPoolTests
{
    private const int Referrals = 120; // more than two of GB's reference blocks (50 numbers each): refills happen mid-burst

    [Test]
    public async Task WithTwoPooledConnectionsPerNode_BurstsOfCreatesAndOfDecisionsAreDelivered_EachMessageOnItsFirstAttempt()
    {
        await using var pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["ConnectionStrings:Node"] = new NpgsqlConnectionStringBuilder(c["ConnectionStrings:Node"])
            {
                MaxPoolSize = 2, Timeout = 5, // a unit waiting 5 s for a connection fails: its delivery would be tried again
            }.ConnectionString;
            c["Exchange:AttemptTimeout"] = "00:00:30"; // a delivery may queue for GB's connections; it must not time out for that
        });
        var cases = await CaseDriver.CreateAsync(pair);
        var ids = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Referrals), Eight, async (_, _) =>
        {
            using var response = await NodePair.PostReferralAsync(cases.Fr, NodePair.ExampleReferral());
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
            ids.Add(JsonNode.Parse(text)!["id"]!.GetValue<string>());
        });

        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == Referrals,
            TimeSpan.FromSeconds(90), "every referral delivered to GB");
        Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND attempts <> 1"), Is.Zero,
            "no delivery failed and was tried again: neither node's units waited out the pool's timeout");
        Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, "SELECT count(*) FROM referrals"), Is.EqualTo(Referrals),
            "GB holds each referral once");

        // GB decides every case, each decision's key also sent again with another body (refused: a security event
        // recorded while other steps hold the pool's connections); FR receives them and receipts them.
        await Parallel.ForEachAsync(ids, Eight, async (id, _) =>
        {
            var etag = await CaseDriver.ETagAsync(cases.Gb, id);
            var key = Guid.NewGuid().ToString();
            using var decided = await cases.StepAsync(cases.Gb, id, LifecycleRules.Decision, cases.Body(LifecycleRules.Decision), etag, key);
            Assert.That(decided.StatusCode, Is.EqualTo(HttpStatusCode.OK), await decided.Content.ReadAsStringAsync());
            using var misused = await cases.StepAsync(cases.Gb, id, LifecycleRules.Decision,
                cases.Body(LifecycleRules.Decision, accept: false), etag, key);
            Assert.That((int)misused.StatusCode, Is.EqualTo(422), await misused.Content.ReadAsStringAsync());
        });
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Gb.ConnectionString, "delivered"), n => n == Referrals,
            TimeSpan.FromSeconds(90), "every decision delivered to FR");
        Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND attempts <> 1"),
            Is.Zero, "no decision's delivery was tried twice");
        await NodePair.EventuallyAsync(
            () => Db.CountAsync(pair.Fr.ConnectionString, $"SELECT count(*) FROM referrals WHERE status = '{ReferralStatus.Accepted}'"),
            n => n == Referrals, because: "FR applied every decision");
        Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, $"""
                SELECT (SELECT count(*) FROM audit_pending WHERE kind = '{AuditKinds.SecurityIdempotencyMisuse}')
                     + (SELECT count(*) FROM audit_entries WHERE kind = '{AuditKinds.SecurityIdempotencyMisuse}')
                """), Is.EqualTo(Referrals), "each misuse recorded once (one statement: the sequencer may move entries meanwhile)");
        await Db.AssertFeedGapFreeAsync(pair.Fr.ConnectionString);
        await Db.AssertFeedGapFreeAsync(pair.Gb.ConnectionString);
    }

    private static readonly ParallelOptions Eight = new() { MaxDegreeOfParallelism = 8 };
}
