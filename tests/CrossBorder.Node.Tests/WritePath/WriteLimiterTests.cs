using System.Diagnostics;
using System.Net;
using CrossBorder.Node.Http;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>Issue 9: an overloaded node sheds ministry writes at once (503 + Retry-After), never queueing them until the pool runs dry.</summary>
public sealed class WriteLimiterTests
{
    [Test]
    public async Task ConcurrentCreates_OverCapacity_503WithRetryAfterAndNothingElseFails()
    {
        await using var pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["RateLimit:MaxConcurrentWrites"] = "1";
            c["RateLimit:WriteQueue"] = "0";
        });
        var client = await pair.Fr.MinistryAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 24)
            .Select(_ => NodePair.PostReferralAsync(client, NodePair.ExampleReferral())));

        var shed = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.That(shed, Is.Not.Empty, "writes beyond one running and none waiting are shed");
        Assert.That(responses.Where(r => r.StatusCode != HttpStatusCode.ServiceUnavailable).Select(r => r.StatusCode),
            Is.All.EqualTo(HttpStatusCode.Created), "every write that is admitted completes");
        Assert.That(shed[0].Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(shed[0].Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await shed[0].Content.ReadAsStringAsync(), Does.Contain("CB0031"));

        // Reads are not limited.
        using var read = await client.GetAsync("api/v1/referrals");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        foreach (var r in responses) r.Dispose();
    }

    /// <summary>
    /// A write waiting for a slot gives up when its caller leaves (the write limiter waits on Http/UnitsRunToTheEnd's
    /// CallerGone, the one token of a request that fires): it never runs once a slot frees, so a client that timed out and
    /// retried elsewhere does not have its first attempt land later behind its back; and the node ends that request
    /// quietly, as a departed caller, not as an unhandled error answered 500.
    /// </summary>
    [Test]
    public async Task AQueuedWrite_WhoseCallerLeft_NeverRuns_AndEndsWithoutAnError()
    {
        var logs = new LogCapture();
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<string?>(); // of FR's creates, as its server spans record them
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("http.request.method") as string == "POST" && a.GetTagItem("url.path") as string == "/api/v1/referrals")
                    statuses.Enqueue(a.GetTagItem("http.response.status_code")?.ToString());
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["RateLimit:MaxConcurrentWrites"] = "1";
            c["RateLimit:WriteQueue"] = "4";
        }, configure: (_, b) => b.Logging.AddProvider(logs));
        var client = await pair.Fr.MinistryAsync();
        var running = Guid.NewGuid().ToString();
        var queued = Guid.NewGuid().ToString();

        // The one slot: a create whose key an uncommitted transaction holds, so it waits, slot taken.
        await using var holder = await KeyHolder.HoldAsync(pair.Fr, running);
        var first = NodePair.PostReferralAsync(client, NodePair.ExampleReferral(), running);
        await NodePair.EventuallyAsync(() => KeyHolder.WaitersAsync(pair.Fr), n => n >= 1, TimeSpan.FromSeconds(10),
            "the first create holds the slot, waiting for the key");

        using var gaveUp = new CancellationTokenSource();
        var second = NodePair.PostReferralAsync(client, NodePair.ExampleReferral(), queued, gaveUp.Token);
        await NodePair.EventuallyAsync(() => Task.FromResult(QueuedCount(pair.Fr)), n => n == 1, TimeSpan.FromSeconds(10),
            "the second create waits for the slot");
        await gaveUp.CancelAsync();
        await AsyncAssert.CatchAsync<OperationCanceledException>(async () => await second, "its caller gave up");
        await NodePair.EventuallyAsync(() => Task.FromResult(QueuedCount(pair.Fr)), n => n == 0, TimeSpan.FromSeconds(10),
            "the departed caller's write left the queue");

        await holder.Transaction.RollbackAsync(); // the first create goes on, commits and frees the slot
        using (var done = await first)
            Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // The queue serves the oldest first: had the second write still waited, it would have run before this one.
        using (var third = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral()))
            Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // A server span ends just after its answer is sent: wait for the three.
        await NodePair.EventuallyAsync(() => Task.FromResult(statuses.Count), n => n == 3, TimeSpan.FromSeconds(10), "the creates' spans ended");
        var ran = await Db.CountAsync(pair.Fr.ConnectionString, $"SELECT count(*) FROM idempotency_keys WHERE key = '{queued}'");
        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.Zero, "the write whose caller left never ran");
            Assert.That(logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}"), Is.Empty,
                "a caller leaving is no error of the node's");
            Assert.That(statuses, Is.EquivalentTo(new[] { "201", "499", "201" }), "the departed caller's request ended 499, never 500");
        });
    }

    private static long QueuedCount(TestNode node) => node.Services.GetRequiredService<WriteLimiter>().QueuedCount;
}
