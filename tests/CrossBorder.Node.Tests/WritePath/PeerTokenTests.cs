using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// The sends of a drain share one token request per peer: sixteen sends that find no token cost the peer one token
/// (one assertion, one ES256 verification, one audit entry). A token the peer refused with 401 is fetched again once.
/// </summary>
public sealed class PeerTokenTests
{
    [Test]
    public async Task SendsThatFindNoToken_ShareOneTokenRequest()
    {
        var peer = new StubPeer { TokenDelay = TimeSpan.FromMilliseconds(300) };
        using var keys = Keys();
        var tokens = new PeerTokenCache();

        var sends = Enumerable.Range(0, 16).Select(_ => Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", CancellationToken.None));
        var answers = await Task.WhenAll(sends);

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(peer.TokenRequests, Is.EqualTo(1), "one token request for sixteen sends");
        Assert.That(peer.BearersSeen.Distinct(), Is.EqualTo(new[] { "token-1" }), "every send carried the one token");
    }

    [Test]
    public async Task TheSendThatStartedTheSharedTokenRequestIsCancelled_TheRequestGoesOn_TheOthersGetItsToken()
    {
        // A send is cancelled (its node stops, its lease is lost) while the token request it started is under way: the
        // sends waiting on that request still get its token, and nobody asks the peer a second time.
        var peer = new StubPeer { TokenDelay = TimeSpan.FromMilliseconds(500) };
        using var keys = Keys();
        var tokens = new PeerTokenCache();
        using var cancel = new CancellationTokenSource();

        var first = Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", cancel.Token);
        await NodePair.EventuallyAsync(() => Task.FromResult(peer.TokenRequests), n => n == 1, because: "the first send asks for a token");
        var others = Enumerable.Range(0, 7).Select(_ => Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", CancellationToken.None)).ToList();
        await cancel.CancelAsync();

        await Assert.ThatAsync(async () => await first, Throws.InstanceOf<OperationCanceledException>());
        var answers = await Task.WhenAll(others);
        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(peer.TokenRequests, Is.EqualTo(1), "the cancelled send's request served the others");
        Assert.That(peer.BearersSeen, Is.EquivalentTo(Enumerable.Repeat("token-1", 7)), "the cancelled send sent nothing");
    }

    [Test]
    public async Task AFailedTokenRequest_EachWaitingSendAsksOnItsOwn_AFailureIsNotCached()
    {
        var peer = new StubPeer { TokenDelay = TimeSpan.FromMilliseconds(300), TokenStatus = HttpStatusCode.BadRequest };
        using var keys = Keys();
        var tokens = new PeerTokenCache();

        var sends = Enumerable.Range(0, 8).Select(_ => Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", CancellationToken.None)).ToList();
        foreach (var send in sends)
            await AsyncAssert.ThrowsAsync<PeerTokenException>(() => send);
        // Each send's own failure is what the peer's circuit counts (and its own error what the outbox records).
        Assert.That(peer.TokenRequests, Is.EqualTo(8), "the shared request, then one of each waiting send's own");

        peer.TokenStatus = HttpStatusCode.OK;
        var answer = await Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", CancellationToken.None);
        Assert.That((answer.Status, peer.TokenRequests), Is.EqualTo((HttpStatusCode.OK, 9)), "a failure is not cached");
    }

    [Test]
    public async Task ATokenThePeerRefuses_IsReplacedOnce_AndNotHandedOutAgain()
    {
        var peer = new StubPeer { Refused = "token-1" };
        using var keys = Keys();
        var tokens = new PeerTokenCache();

        var first = await Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", CancellationToken.None);
        var second = await Client(peer, keys, tokens).DeliverAsync(Gb, "a.b.c", CancellationToken.None);

        Assert.That((first.Status, second.Status), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(peer.TokenRequests, Is.EqualTo(2), "the refused token was replaced once, and the new one kept");
        Assert.That(peer.BearersSeen, Is.EqualTo(new[] { "token-1", "token-2", "token-2" }));
    }

    [Test]
    public async Task ATokenRequestThatFails_IsTriedAgainWithANewAssertion_NeverResentAsItWas()
    {
        // The peer's token server failed once (or answered too late): a copy of that request would be a replayed jti,
        // refused by design. Through the node's own pipeline (retry, circuit, timeout), as a drain sends.
        var peer = new StubPeer { TokenFailures = 2 };
        using var keys = Keys();
        await using var provider = Pipeline(peer, keys);

        var answer = await provider.GetRequiredService<PeerClient>().DeliverAsync(Gb, "a.b.c", CancellationToken.None);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(peer.Jtis, Has.Count.EqualTo(3), "two failures, then the token");
        Assert.That(peer.Jtis.Distinct().Count(), Is.EqualTo(3), "each attempt with an assertion of its own");
    }

    [Test]
    public async Task ThePeersCircuitIsOpen_ATokenRequestIsNeitherSentNorTriedAgain()
    {
        // A token server that keeps failing opens the peer's circuit like any other call to it; from then on a send's
        // token request is refused by the circuit itself, and that refusal is not a failure to try again.
        var peer = new StubPeer { TokenFailures = int.MaxValue };
        using var keys = Keys();
        await using var provider = Pipeline(peer, keys);
        var client = provider.GetRequiredService<PeerClient>();

        for (var send = 1; ; send++)
        {
            var failure = await AsyncAssert.CatchAsync(() => client.DeliverAsync(Gb, "a.b.c", CancellationToken.None));
            if (failure is Polly.CircuitBreaker.BrokenCircuitException)
                break;
            Assert.That(failure, Is.InstanceOf<PeerTokenException>());
            Assert.That(send, Is.LessThan(5), "the circuit opens after a few failing sends");
        }
        var seen = peer.TokenRequests;

        await AsyncAssert.CatchAsync<Polly.CircuitBreaker.BrokenCircuitException>(() => client.DeliverAsync(Gb, "a.b.c", CancellationToken.None));
        Assert.That(peer.TokenRequests, Is.EqualTo(seen), "nothing reached the peer while its circuit is open");
    }

    /// <summary>A <see cref="PeerClient"/> through the node's own peer pipeline (retry, circuit, timeout) to <paramref name="peer"/>.</summary>
    private static ServiceProvider Pipeline(StubPeer peer, NodeKeys keys)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddSingleton<WorkSignals>()
            .AddSingleton(keys);
        services.Configure<NodeOptions>(o => (o.Country, o.Peers) = (Settings.Value.Country, Settings.Value.Peers));
        services.AddPeers(breakDuration: TimeSpan.FromSeconds(30), attemptTimeout: TimeSpan.FromSeconds(10));
        services.AddHttpClient<PeerClient>().ConfigurePrimaryHttpMessageHandler(() => peer);
        return services.BuildServiceProvider();
    }

    private static readonly PeerOptions Gb = new() { Country = "GB", Url = new Uri("http://gb.test/") };

    private static PeerClient Client(StubPeer peer, NodeKeys keys, PeerTokenCache tokens) =>
        new(new HttpClient(peer, disposeHandler: false), keys, Microsoft.Extensions.Options.Options.Create(Settings.Value), TimeProvider.System, tokens);

    private static NodeKeys Keys() => new(Microsoft.Extensions.Options.Options.Create(Settings.Value));

    private static readonly Lazy<NodeOptions> Settings = new(() =>
    {
        using var fr = SigningKey.Generate("fr-1");
        using var gb = SigningKey.Generate("gb-1");
        return new NodeOptions
        {
            Country = "FR",
            SigningKey = new SigningKeyOptions { Kid = fr.Kid, PrivateKeyPem = fr.Algorithm.ExportPkcs8PrivateKeyPem() },
            KeyEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            Peers = [new PeerOptions { Country = Gb.Country, Url = Gb.Url, Jwks = new JsonWebKeySet([gb.PublicJwk()]).ToJson() }],
        };
    });

    /// <summary>GB's token endpoint (tokens token-1, token-2, ... after <see cref="TokenDelay"/>) and its message endpoint.</summary>
    private sealed class StubPeer : HttpMessageHandler
    {
        private int _tokenRequests;

        public TimeSpan TokenDelay { get; init; }

        public volatile HttpStatusCode TokenStatus = HttpStatusCode.OK;

        /// <summary>A token the message endpoint answers 401 to.</summary>
        public string? Refused { get; init; }

        public int TokenRequests => Volatile.Read(ref _tokenRequests);

        public ConcurrentQueue<string> BearersSeen { get; } = new();

        /// <summary>How many token requests, from the first, answer 503.</summary>
        public int TokenFailures { get; init; }

        /// <summary>The <c>jti</c> of each token request's assertion, in order.</summary>
        public List<string> Jtis { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.RequestUri!.AbsolutePath == "/connect/token")
            {
                var n = Interlocked.Increment(ref _tokenRequests);
                var form = await request.Content!.ReadAsStringAsync(ct);
                var assertion = Uri.UnescapeDataString(form.Split('&').Single(p => p.StartsWith("client_assertion=", StringComparison.Ordinal))
                    .Split('=')[1]);
                lock (Jtis)
                    Jtis.Add(JsonNode.Parse(Jws.UnverifiedPayload(assertion))!["jti"]!.GetValue<string>());
                await Task.Delay(TokenDelay, ct);
                if (n <= TokenFailures)
                    return Json(HttpStatusCode.ServiceUnavailable, "{}");
                return TokenStatus == HttpStatusCode.OK
                    ? Json(HttpStatusCode.OK, $$"""{"access_token":"token-{{n}}","token_type":"Bearer","expires_in":300}""")
                    : Json(TokenStatus, """{"error":"invalid_client","error_description":"refused"}""");
            }
            var bearer = request.Headers.Authorization?.Parameter ?? "";
            BearersSeen.Enqueue(bearer);
            return bearer == Refused ? Json(HttpStatusCode.Unauthorized, "{}") : Json(HttpStatusCode.OK, "{}");
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
