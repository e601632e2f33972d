using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Issue 9: creates, steps on both sides, receipts, inbound messages and deadline lapses hit the same and
/// different referrals at once. One lock order everywhere: no deadlock, no 500, every message delivered and
/// a gap-free, ordered feed on both nodes.
/// </summary>
public sealed class ConcurrencyTests
{
    [Test]
    public async Task ManyWritersOnSameAndDifferentReferrals_NoDeadlockNo500FeedGapFree()
    {
        await using var pair = await NodePair.StartAsync();
        var driver = await CaseDriver.CreateAsync(pair);
        var statuses = new ConcurrentBag<(string What, HttpStatusCode Status)>();

        async Task<string?> CreateAsync()
        {
            using var response = await NodePair.PostReferralAsync(driver.Fr, NodePair.ExampleReferral());
            statuses.Add(("create", response.StatusCode));
            return response.StatusCode == HttpStatusCode.Created
                ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>()
                : null;
        }

        async Task StepAsync(HttpClient client, string id, string step, bool accept = true)
        {
            // If-Match "*": the step races the others on purpose; the node decides by its row lock and status.
            using var response = await driver.StepAsync(client, id, step, driver.Body(step, accept), etag: "*");
            statuses.Add((step, response.StatusCode));
        }

        var ids = (await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => CreateAsync()))).OfType<string>().ToList();
        Assert.That(ids, Has.Count.EqualTo(24));
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == ids.Count,
            TimeSpan.FromSeconds(60), "every submission received by GB");

        // The clock crosses every reply deadline just before the writers start: both deadline clocks lapse open cases
        // (tacit acceptance) while the steps below race them on the same rows.
        await driver.AdvanceAsync(TimeSpan.FromDays(93));
        var work = new List<Task>();
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            // On the same referral at once: GB's decision or information request (inbound at FR, receipts at GB),
            // FR's withdrawal (inbound at GB, receipts at FR), and new creates at FR beside them.
            work.Add(StepAsync(driver.Gb, id, "decision", accept: i % 2 == 0));
            if (i % 3 == 0) work.Add(StepAsync(driver.Gb, id, "information-request"));
            if (i % 4 == 0) work.Add(StepAsync(driver.Fr, id, "withdrawal"));
            work.Add(CreateAsync());
        }
        await Task.WhenAll(work);

        foreach (var node in new[] { pair.Fr, pair.Gb })
        {
            await NodePair.EventuallyAsync(() => Db.OutgoingAsync(node.ConnectionString, "queued"), n => n == 0,
                TimeSpan.FromSeconds(60), $"{node.Country} delivered every message");
            await Db.AssertFeedGapFreeAsync(node.ConnectionString);
        }
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(statuses.Where(s => (int)s.Status >= 500), Is.Empty, "no 5xx from any concurrent writer");
            Assert.That(statuses.Where(s => s.What == "create").Select(s => s.Status), Has.All.EqualTo(HttpStatusCode.Created));
            Assert.That(statuses.Where(s => s.What != "create").Select(s => (int)s.Status), Has.All.AnyOf(200, 409),
                "a step wins or is refused for the status it found");
            foreach (var node in new[] { pair.Fr, pair.Gb })
                Assert.That(await Db.ColumnAsync(node.ConnectionString, "SELECT last_error FROM messages WHERE state = 'dead_letter'"),
                    Is.Empty, $"no dead letter at {node.Country}");
        });
    }
}
