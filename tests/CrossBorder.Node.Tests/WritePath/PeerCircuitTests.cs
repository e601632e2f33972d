using System.Collections.Concurrent;
using System.Net;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Every peer has its own circuit: a node with more than one peer goes on sending to the others while one is down,
/// even when two peers sit behind one gateway (one host, two paths).
/// </summary>
public sealed class PeerCircuitTests
{
    private static readonly List<PeerOptions> Peers =
    [
        new() { Country = "GB", Url = new Uri("http://gateway.test/gb/") },
        new() { Country = "DE", Url = new Uri("http://gateway.test/de/") },
    ];

    [Test]
    public async Task OnePeersOutage_OpensItsOwnCircuit_TheOtherPeerIsStillCalled()
    {
        var peers = new StubPeers(down: "/de/");
        await using var provider = PeerPipeline(peers, breakDuration: TimeSpan.FromMinutes(1));
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PeerClient));

        await OpenCircuitAsync(http, "http://gateway.test/de/exchange/v1/keys"); // DE's failures open a circuit
        var deCalls = peers.Calls("/de/");
        await AsyncAssert.ThrowsAsync<BrokenCircuitException>(() => http.GetAsync("http://gateway.test/de/exchange/v1/keys"), "DE's circuit stays open");
        Assert.That(peers.Calls("/de/"), Is.EqualTo(deCalls), "an open circuit calls nobody");

        using var gb = await http.GetAsync("http://gateway.test/gb/exchange/v1/keys");
        Assert.That(gb.StatusCode, Is.EqualTo(HttpStatusCode.OK), "GB's circuit is its own: still closed");
        Assert.That(peers.Calls("/gb/"), Is.EqualTo(1));
    }

    [Test]
    public async Task APeersCircuitClosing_IsReportedForThatPeer_LiftingNoOtherPeersHold()
    {
        var peers = new StubPeers(down: "/de/");
        await using var provider = PeerPipeline(peers, breakDuration: TimeSpan.FromSeconds(1));
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PeerClient));
        var health = provider.GetRequiredService<PeerHealth>();
        await OpenCircuitAsync(http, "http://gateway.test/de/exchange/v1/keys");
        health.Hold("GB", TimeSpan.FromMinutes(1), health.CircuitGeneration("GB")); // GB's own hold, to outlive DE's closing

        peers.Down = null; // DE is back: after the break, a call gets through and closes DE's circuit
        await NodePair.EventuallyAsync(async () =>
        {
            try { using var r = await http.GetAsync("http://gateway.test/de/exchange/v1/keys"); return r.StatusCode; }
            catch (BrokenCircuitException) { return HttpStatusCode.ServiceUnavailable; }
        }, status => status == HttpStatusCode.OK, because: "DE's circuit half-opens and closes");

        Assert.That((health.CircuitGeneration("DE"), health.CircuitGeneration("GB")), Is.EqualTo((1L, 0L)), "the closing was DE's");
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }), "GB's hold stays");
    }

    /// <summary>The node's peer pipeline as DI builds it, over <paramref name="peers"/> instead of the network.</summary>
    private static ServiceProvider PeerPipeline(StubPeers peers, TimeSpan breakDuration)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddSingleton<WorkSignals>();
        services.Configure<NodeOptions>(o => o.Peers = Peers);
        services.AddPeers(breakDuration, attemptTimeout: TimeSpan.FromSeconds(10));
        services.AddHttpClient<PeerClient>().ConfigurePrimaryHttpMessageHandler(() => peers);
        return services.BuildServiceProvider();
    }

    private static async Task OpenCircuitAsync(HttpClient http, string uri)
    {
        for (var call = 0; call < 10; call++)
        {
            try { using var _ = await http.GetAsync(uri); }
            catch (BrokenCircuitException) { return; }
        }
        Assert.Fail($"no circuit opened for {uri}");
    }

    [TestCase("http://gateway.test/gb/connect/token", "GB")]
    [TestCase("http://gateway.test/de/exchange/v1/messages", "DE")]
    [TestCase("http://gateway.test/fr/exchange/v1/messages", "http://gateway.test")]
    [TestCase("http://elsewhere.test/gb/", "http://elsewhere.test")]
    public void ARequest_GoesThroughThePipelineOfThePeerWhoseUrlItIsUnder(string uri, string pipeline) =>
        Assert.That(PeersSetup.PeerOf(Peers, new Uri(uri)), Is.EqualTo(pipeline));

    /// <summary>Two peers behind one host: the one under <c>down</c> answers 503, the other 200.</summary>
    private sealed class StubPeers(string down) : HttpMessageHandler
    {
        public volatile string? Down = down;

        private readonly ConcurrentDictionary<string, int> _calls = new();

        public int Calls(string prefix) => _calls.GetValueOrDefault(prefix);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var prefix = "/" + request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[0] + "/";
            _calls.AddOrUpdate(prefix, 1, (_, n) => n + 1);
            return Task.FromResult(new HttpResponseMessage(prefix == Down ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK)
            {
                Content = new StringContent("{}"),
            });
        }
    }
}
