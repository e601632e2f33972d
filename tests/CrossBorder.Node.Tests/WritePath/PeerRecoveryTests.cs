using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>Issue 9: a busy peer (429 with Retry-After) is waited for, not counted as down; a peer back after an outage gets the backlog at once.</summary>
public sealed class PeerRecoveryTests
{
    [Test]
    public async Task PeerAnswers429_RetriedAfterRetryAfterWithoutOpeningTheCircuit_AllDelivered()
    {
        const int referrals = 12;
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country == "GB")
            {
                c["RateLimit:PeerPermitsPerSecond"] = "2";
                c["RateLimit:PeerBurst"] = "2";
            }
        });
        var errors = new ConcurrentDictionary<string, bool>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                foreach (var e in await Db.ColumnAsync(pair.Fr.ConnectionString, "SELECT DISTINCT last_error FROM messages WHERE last_error IS NOT NULL"))
                    errors[e!] = true;
                await Task.Delay(20); // sampling interval of the observer, not a wait for the system
            }
        });

        await CreateAtFrAsync(pair, referrals);
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == referrals,
            TimeSpan.FromSeconds(60), "every referral gets through the peer's rate limit");
        await watching.CancelAsync();
        await watcher;

        Assert.Multiple(() =>
        {
            Assert.That(errors.Keys, Has.Some.EqualTo($"peer answered 429 ({Problems.RateLimited.Code})"), "GB's rate limit was hit");
            Assert.That(errors.Keys, Has.None.Contains("circuit open"), "a 429 is not a failure of the peer");
        });
    }

    [Test]
    public async Task PeerDown_MessagesHeldByTheOpenCircuit_AreNotLoggedAsFailedAttempts()
    {
        var logs = new Retention.LogCapture();
        await using var pair = await WithGbDownAsync(logs);

        await NodePair.EventuallyAsync(() => Db.CountAsync(pair.Fr.ConnectionString,
                "SELECT count(*) FROM messages WHERE state = 'queued' AND last_error LIKE 'circuit open%'"), n => n >= 3,
            TimeSpan.FromSeconds(60), "messages held by the open circuit");

        // Told once per opening, by the circuit, with the cause ("Connection refused (host:port)"); not again for each
        // message the open circuit holds, on every replica, at every break, for as long as the peer is down.
        Assert.That(logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message), Has.Some.Contains("OnCircuitOpened"));
        var delivery = logs.Entries.Where(e => e.Category.EndsWith(".Delivery", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.That(delivery, Has.None.Contains("circuit open"));
        // Nor does Polly repeat each failed attempt and retry: the outbox logs each delivery's outcome, with its cause.
        var polly = logs.Entries.Where(e => e.Category.StartsWith("Polly", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.That(polly.Where(m => !m.Contains("OnCircuitOpened", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task PeerDown_EachBreakProbesWithOneMessage_NotABatchTheCircuitRefuses()
    {
        var logs = new Retention.LogCapture();
        await using var pair = await WithGbDownAsync(logs);

        int Openings() => logs.Entries.Count(e => e.Message.Contains("OnCircuitOpened", StringComparison.Ordinal));
        const string Attempts = "SELECT coalesce(sum(attempts), 0) FROM messages WHERE direction = 'outgoing'";
        await NodePair.EventuallyAsync(() => Task.FromResult(Openings()), n => n >= 1, TimeSpan.FromSeconds(30), "the circuit opened");
        var openings = Openings();
        var attempts = await Db.CountAsync(pair.Fr.ConnectionString, Attempts);

        // Each half-open circuit lets one call through; it fails and the circuit opens again. A replica that claimed a
        // batch at each break's end had the circuit refuse all but one, an attempt counted on each (~15 per break).
        await NodePair.EventuallyAsync(() => Task.FromResult(Openings()), n => n >= openings + 4, TimeSpan.FromSeconds(60),
            "four more breaks");
        var breaks = Openings() - openings;
        var more = await Db.CountAsync(pair.Fr.ConnectionString, Attempts) - attempts;
        Assert.That(more, Is.LessThanOrEqualTo(2 * (breaks + 1)), $"{more} attempts over {breaks} breaks: one probe per break");
        Assert.That(await Db.OutgoingAsync(pair.Fr.ConnectionString, "queued"), Is.EqualTo(20), "nothing given up");
    }

    [Test]
    public async Task PeerBackAnsweringBusy_TheBacklogIsDueAtOnce_NotAtEachRowsBackoff()
    {
        const int referrals = 10;
        var link = new PeerLink();
        // A row that failed waits a minute or more on its back-off: only a wake-up makes it due sooner.
        await using var pair = await NodePair.StartAsync(
            adjust: (_, c) =>
            {
                c["Exchange:RetryBaseDelay"] = "00:01:00";
                c["Exchange:RetryMaxDelay"] = "00:02:00";
                c["Exchange:BreakDuration"] = "00:00:01";
            },
            configure: (country, b) =>
            {
                if (country == "FR") b.Services.AddHttpClient<PeerClient>().AddHttpMessageHandler(() => link);
            });
        link.Down = true;
        await CreateAtFrAsync(pair, referrals);
        await NodePair.EventuallyAsync(() => Db.CountAsync(pair.Fr.ConnectionString, """
                SELECT count(*) FROM messages
                WHERE direction = 'outgoing' AND state = 'queued' AND next_attempt_at > clock_timestamp() + interval '30 seconds'
                """), n => n == referrals, TimeSpan.FromSeconds(60), "every message failed and waits on a long back-off");

        // The peer is back, and its first answer to a delivery is a 429: it answered, so it is up. Nothing it says
        // afterwards would wake the waiting rows (a success wakes them only while the peer counts as failing).
        link.AnswerBusyOnce();
        link.Down = false;
        var sinceBack = Stopwatch.StartNew();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == referrals,
            TimeSpan.FromSeconds(30), "the backlog is due at once after the peer's answer, then drains after its Retry-After");
        Assert.That(link.BusyAnswered, Is.EqualTo(1), "the peer's first answer to a delivery was the 429");
        await TestContext.Out.WriteLineAsync($"backlog of {referrals} delivered {sinceBack.Elapsed.TotalSeconds:F1} s after the peer returned");
    }

    private static async Task CreateAtFrAsync(NodePair pair, int referrals)
    {
        var fr = await pair.Fr.MinistryAsync();
        for (var i = 0; i < referrals; i++)
            using (var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral()))
                Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    /// <summary>FR's link to GB, inside the peer client's resilience pipeline: down (connection refused), or up with one 429.</summary>
    private sealed class PeerLink : DelegatingHandler
    {
        private int _busyLeft, _busyAnswered;

        public volatile bool Down;

        public int BusyAnswered => Volatile.Read(ref _busyAnswered);

        /// <summary>The next delivery (not a token request, not the audit witness) is answered 429 with Retry-After: 1.</summary>
        public void AnswerBusyOnce() => Interlocked.Exchange(ref _busyLeft, 1);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (Down)
                throw new HttpRequestException("Connection refused (test link down)");
            if (PeerRequests.IsDelivery(request) && Interlocked.CompareExchange(ref _busyLeft, 0, 1) == 1)
            {
                Interlocked.Increment(ref _busyAnswered);
                var busy = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
                {
                    RequestMessage = request,
                    Content = new StringContent($$"""{"status":429,"title":"Too many requests","code":"{{Problems.RateLimited.Code}}"}""",
                        System.Text.Encoding.UTF8, "application/problem+json"),
                };
                busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
                return Task.FromResult(busy);
            }
            return base.SendAsync(request, ct);
        }
    }

    /// <summary>
    /// GB stopped and 20 referrals created at FR, whose log goes to <paramref name="logs"/>. Short breaks and back-offs:
    /// the circuit opens and half-opens several times within a test, and every message is due again at each break's end.
    /// </summary>
    private static async Task<NodePair> WithGbDownAsync(Retention.LogCapture logs)
    {
        var pair = await NodePair.StartAsync(
            adjust: (_, c) =>
            {
                c["Exchange:RetryBaseDelay"] = "00:00:00.200";
                c["Exchange:RetryMaxDelay"] = "00:00:01";
                c["Exchange:BreakDuration"] = "00:00:01";
            },
            configure: (country, b) =>
            {
                if (country == "FR") b.Logging.AddProvider(logs);
            });
        try
        {
            await pair.Gb.StopAsync();
            await CreateAtFrAsync(pair, 20);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    [Test]
    public async Task PeerBackAfterOutage_BacklogDrainsWithinSecondsNotAtEachRowsBackoff()
    {
        const int referrals = 30;
        // Production timings for the outbox: 2 s first back-off doubling to 30 s, a 5 s circuit break.
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            c["Exchange:RetryBaseDelay"] = "00:00:02";
            c["Exchange:RetryMaxDelay"] = "00:00:30";
            c["Exchange:BreakDuration"] = "00:00:05";
        });
        await pair.Gb.StopAsync();
        await CreateAtFrAsync(pair, referrals);

        // Down long enough that the messages wait on back-offs well beyond the drain bound below.
        await NodePair.EventuallyAsync(() => Db.CountAsync(pair.Fr.ConnectionString, """
                SELECT count(*) FROM messages
                WHERE state = 'queued' AND next_attempt_at > clock_timestamp() + interval '20 seconds'
                """), n => n >= 1, TimeSpan.FromSeconds(90), "some messages wait on a long back-off");

        await pair.Gb.StartAsync();
        var sinceBack = Stopwatch.StartNew();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == referrals,
            TimeSpan.FromSeconds(60), "the backlog drains once GB is back");
        await TestContext.Out.WriteLineAsync($"backlog of {referrals} delivered {sinceBack.Elapsed.TotalSeconds:F1} s after GB returned");
        // About 5 s (at most one circuit break, then the probe's success wakes every row). It took 10 s when the half-open
        // circuit's one call went to the audit witness: the probe was held for a whole break although that call had closed
        // the circuit (PeerHealth.CircuitClosed). Without the wake-up it would wait for back-offs that were more than 20 s
        // away when GB returned.
        Assert.That(sinceBack.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)),
            "a success wakes the waiting rows: the drain does not wait for each row's back-off");
    }
}
