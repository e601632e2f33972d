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

    /// <summary>
    /// Documents sent both ways at once, each in many ranges: a transfer that held its pooled connection while it sent a
    /// range to the peer waited, with every connection so held on both nodes, for the peer's handler, which waited for a
    /// connection of its own node (session 37's review; docs/architecture.md "Locks"). A transfer reads each chunk on a
    /// connection it gives back before the range goes out.
    /// </summary>
    [Test]
    public async Task WithTwoPooledConnectionsPerNode_DocumentsSentBothWaysAtOnce_EachDeliveredOnItsFirstAttempt()
    {
        const int documents = 6, chunk = 4096, chunks = 12;
        await using var pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["ConnectionStrings:Node"] = new NpgsqlConnectionStringBuilder(c["ConnectionStrings:Node"])
            {
                MaxPoolSize = 2, Timeout = 5,
            }.ConnectionString;
            c["Exchange:AttemptTimeout"] = "00:00:30";
            c["Attachments:ChunkBytes"] = chunk.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        var cases = await CaseDriver.CreateAsync(pair);
        var ids = new List<string>();
        for (var i = 0; i < documents; i++)
            ids.Add(await cases.SubmitAsync());
        var pdf = Attachments.Documents.Pdf(chunks * chunk);

        // Every upload first, then both outboxes at once: FR's documents to GB and GB's to FR, on the same cases.
        await Parallel.ForEachAsync(ids.SelectMany(id => new[] { (cases.Fr, id), (cases.Gb, id) }), Eight, async (upload, _) =>
        {
            using var response = await Attachments.Documents.UploadAsync(upload.Item1, upload.id, pdf, "application/pdf");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        });

        const string sent = "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND type = 'attachment.added' AND state = 'delivered'";
        await NodePair.EventuallyAsync(async () => (await Db.CountAsync(pair.Fr.ConnectionString, sent), await Db.CountAsync(pair.Gb.ConnectionString, sent)),
            n => n == (documents, documents), TimeSpan.FromSeconds(90), "every document delivered both ways");
        const string retried = "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND type = 'attachment.added' AND attempts <> 1";
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, retried), Is.Zero, "no FR delivery waited out a pool's timeout");
            Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, retried), Is.Zero, "no GB delivery waited out a pool's timeout");
            Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, "SELECT count(*) FROM attachments WHERE chunk_count = 12"),
                Is.EqualTo(2 * documents), "FR holds its documents and GB's, whole");
            Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, "SELECT count(*) FROM attachments WHERE chunk_count = 12"),
                Is.EqualTo(2 * documents), "GB holds its documents and FR's, whole");
        });
    }

    private static readonly ParallelOptions Eight = new() { MaxDegreeOfParallelism = 8 };
}
