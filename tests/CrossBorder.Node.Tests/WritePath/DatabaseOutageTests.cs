using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Local;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Issue 9: PostgreSQL stopped and restarted while both nodes create and deliver. The nodes never stop
/// themselves, answer 503 with Retry-After (never 500) while the database is gone, report not-ready but live,
/// and deliver every acknowledged referral once it is back.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Test]
    public async Task DatabaseRestartedDuringDispatch_NodesStayUpAnswer503AndDeliverEverything()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"crossborder-outage-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var port = LocalPostgres.FindFreePort();
        var postgres = await LocalPostgres.StartAsync(folder, port, fastUnsafe: true);
        try
        {
            await using var pair = await NodePair.StartAsync(async prefix =>
            {
                var name = $"{prefix}_outage";
                await postgres.CreateDatabaseAsync(name);
                return postgres.ConnectionString(name);
            });
            var fr = await pair.Fr.MinistryAsync();
            var acked = new ConcurrentDictionary<string, bool>();
            var statuses = new ConcurrentBag<HttpStatusCode>();
            var refusals = new ConcurrentBag<(string? RetryAfter, string? MediaType, string? Code)>();
            using var stop = new CancellationTokenSource();

            // A back office that keeps creating, retrying each referral with its own Idempotency-Key until it is acknowledged.
            async Task WriterAsync()
            {
                while (!stop.IsCancellationRequested)
                {
                    var key = Guid.NewGuid().ToString();
                    while (!stop.IsCancellationRequested)
                    {
                        using var response = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral(), key);
                        statuses.Add(response.StatusCode);
                        var body = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            acked[JsonNode.Parse(body)!["id"]!.GetValue<string>()] = true;
                            break;
                        }
                        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                            refusals.Add((response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType,
                                JsonNode.Parse(body)?["code"]?.GetValue<string>()));
                        await Task.Delay(50); // a client's pause between retries, not a wait for the system
                    }
                }
            }
            var writers = Enumerable.Range(0, 3).Select(_ => Task.Run(WriterAsync)).ToArray();

            await NodePair.EventuallyAsync(() => Task.FromResult(acked.Count), n => n >= 15, because: "creates before the outage");
            await postgres.StopAsync();

            using (var live = await pair.Fr.Anonymous().GetAsync("health/live"))
                Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "liveness holds while the database is gone");
            await NodePair.EventuallyAsync(async () => (await pair.Fr.Anonymous().GetAsync("health/ready")).StatusCode,
                s => s == HttpStatusCode.ServiceUnavailable, because: "readiness fails while the database is gone");
            await NodePair.EventuallyAsync(() => Task.FromResult(refusals.Count), n => n >= 3, because: "creates during the outage get 503");

            // The token endpoint reads its clients from the store too: 503 with Retry-After, not 500 (nor an OAuth error).
            using (var token = await pair.Fr.Anonymous().PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                   {
                       ["grant_type"] = "client_credentials",
                       ["client_id"] = pair.Fr.MinistryClientId,
                       ["client_secret"] = pair.Fr.MinistrySecret,
                   })))
            {
                var body = await token.Content.ReadAsStringAsync();
                Assert.That(token.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That(token.Headers.RetryAfter, Is.Not.Null, "the token endpoint says when to retry");
                Assert.That(JsonNode.Parse(body)?["code"]?.GetValue<string>(), Is.EqualTo("CB0030"));
            }

            postgres = await LocalPostgres.StartAsync(folder, port, fastUnsafe: true);
            var before = acked.Count;
            await NodePair.EventuallyAsync(() => Task.FromResult(acked.Count), n => n >= before + 15, TimeSpan.FromSeconds(60),
                "creates succeed again once the database is back");
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == acked.Count,
                TimeSpan.FromSeconds(60), "every acknowledged referral is delivered");
            var atGb = await Db.ColumnAsync(pair.Gb.ConnectionString, "SELECT id FROM referrals WHERE direction = 'incoming'");
            Assert.Multiple(() =>
            {
                Assert.That(atGb.Select(id => id!).Order(), Is.EqualTo(acked.Keys.Order()), "GB holds each acknowledged referral exactly once");
                Assert.That(statuses, Has.None.EqualTo(HttpStatusCode.InternalServerError), "no 500 during the outage");
                Assert.That(refusals.Select(r => r.RetryAfter), Has.All.Not.Null, "503 says when to retry");
                Assert.That(refusals.Select(r => r.MediaType), Has.All.EqualTo("application/problem+json"));
                Assert.That(refusals.Select(r => r.Code), Has.All.EqualTo("CB0030"));
                foreach (var node in new[] { pair.Fr, pair.Gb })
                    Assert.That(node.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested,
                        Is.False, $"{node.Country} did not stop itself");
            });
            using (var ready = await pair.Fr.Anonymous().GetAsync("health/ready"))
                Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "ready again");
            await Db.AssertFeedGapFreeAsync(pair.Fr.ConnectionString);
            await Db.AssertFeedGapFreeAsync(pair.Gb.ConnectionString);
        }
        finally
        {
            await postgres.DisposeAsync();
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
