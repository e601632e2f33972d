using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using System.Text;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Keys;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Peers;

/// <summary>
/// Talks to peer nodes: gets an <c>exchange</c> token from the peer's token server with a
/// <c>private_key_jwt</c> assertion signed by this node's key (RFC 7523), then delivers one JWS.
/// The resilience pipeline on the <see cref="HttpClient"/> adds timeouts, retries and a circuit breaker.
/// </summary>
public sealed class PeerClient(HttpClient http, NodeKeys keys, IOptions<NodeOptions> options, TimeProvider time, PeerTokenCache tokens)
{
    public const string JoseMediaType = "application/jose";

    /// <summary>Where a peer takes delivery of one signed message, under its URL.</summary>
    public const string MessagesPath = "exchange/v1/messages";

    public async Task<PeerResponse> DeliverAsync(PeerOptions peer, string jws, CancellationToken ct)
    {
        var (response, token) = await PostAsync(peer, jws, refused: null, ct);
        if (response.Status == HttpStatusCode.Unauthorized)
            (response, _) = await PostAsync(peer, jws, refused: token, ct); // the cached token may have lapsed early
        return response;
    }

    /// <summary>Asks the peer to cosign one of this node's audit checkpoints (<c>POST /exchange/v1/checkpoints</c>).</summary>
    public async Task<PeerResponse> CosignAsync(PeerOptions peer, string requestJson, CancellationToken ct)
    {
        async Task<(PeerResponse, string Token)> SendAsync(string? refused)
        {
            var token = await TokenAsync(peer, refused, ct);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(peer.Url!, "exchange/v1/checkpoints"))
            {
                Content = new StringContent(requestJson, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            return (new PeerResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct), response.Content.Headers.ContentType?.MediaType), token);
        }
        var (result, used) = await SendAsync(refused: null);
        return result.Status == HttpStatusCode.Unauthorized ? (await SendAsync(refused: used)).Item1 : result;
    }

    /// <summary>
    /// One request to the peer's exchange API with this node's <c>exchange</c> token (taken again once on a 401):
    /// <paramref name="content"/> builds the body afresh for each try.
    /// </summary>
    public async Task<PeerResponse> SendAsync(PeerOptions peer, HttpMethod method, string path, Func<HttpContent?> content,
        CancellationToken ct)
    {
        async Task<(PeerResponse, string Token)> SendOnceAsync(string? refused)
        {
            var token = await TokenAsync(peer, refused, ct);
            using var request = new HttpRequestMessage(method, new Uri(peer.Url!, path)) { Content = content() };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            return (new PeerResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct),
                response.Content.Headers.ContentType?.MediaType, RetryAfter(response)), token);
        }
        var (result, used) = await SendOnceAsync(refused: null);
        return result.Status == HttpStatusCode.Unauthorized ? (await SendOnceAsync(refused: used)).Item1 : result;
    }

    private async Task<(PeerResponse, string Token)> PostAsync(PeerOptions peer, string jws, string? refused, CancellationToken ct)
    {
        var token = await TokenAsync(peer, refused, ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(peer.Url!, MessagesPath))
        {
            Content = new StringContent(jws, Encoding.ASCII, JoseMediaType),
        };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return (new PeerResponse(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, RetryAfter(response)), token);
    }

    /// <summary>
    /// The cached token for <paramref name="peer"/>, or a new one. While one send asks the token server, the other sends
    /// that find no token (sixteen at once when a drain starts or a token nears its end) wait for its answer and share the
    /// token (<see cref="PeerTokenCache.FetchOnceAsync"/>), instead of each signing an assertion and costing the peer a
    /// token, and an audit entry, of its own. When that request fails, each of them asks on its own, as before: their
    /// failures are what the peer's circuit counts, and a send held by an open circuit is told so, not given another
    /// send's error. <paramref name="refused"/>: the token the peer just answered 401 to, never handed out again.
    /// </summary>
    private async Task<string> TokenAsync(PeerOptions peer, string? refused, CancellationToken ct)
    {
        if (tokens.Usable(peer.Country, time.GetUtcNow(), refused) is { } cached)
            return cached;
        // Not cancelled by one waiting send: the others may still want it; the pipeline's timeouts and the node's stop bound it.
        var (fetch, mine) = tokens.FetchOnceAsync(peer.Country, () => FetchTokenAsync(peer, tokens.NodeStopped));
        try
        {
            return await fetch.WaitAsync(ct);
        }
        catch (Exception) when (!mine && !ct.IsCancellationRequested)
        {
            return await FetchTokenAsync(peer, ct);
        }
    }

    /// <summary>Marks a request that must not be sent twice as it is (<see cref="IsSingleUse"/>).</summary>
    private static readonly HttpRequestOptionsKey<bool> SingleUse = new("CrossBorder.SingleUse");

    /// <summary>Whether the resilience pipeline must leave the retrying of <paramref name="request"/> to its sender.</summary>
    public static bool IsSingleUse(HttpRequestMessage request) => request.Options.TryGetValue(SingleUse, out var single) && single;

    /// <summary>
    /// A token from the peer's token server. Each attempt carries an assertion of its own: a copy of one the peer has
    /// already seen (an attempt that reached it and timed out on the way back) would be refused as a replay, so the
    /// pipeline does not resend it; this method tries again on the pipeline's schedule (<see cref="PeersSetup.RetryAttempts"/>,
    /// <see cref="PeersSetup.RetryDelay"/>), on a failure of the peer's side. An open circuit ends it at once.
    /// </summary>
    private async Task<string> FetchTokenAsync(PeerOptions peer, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await FetchTokenOnceAsync(peer, ct);
            }
            catch (Exception e) when (attempt <= PeersSetup.RetryAttempts && !ct.IsCancellationRequested && TokenRequestFailedAtPeer(e))
            {
                var delay = PeersSetup.RetryDelay * (1 << (attempt - 1)); // "equal jitter": half fixed, half random
                await Task.Delay(delay / 2 + delay / 2 * Random.Shared.NextDouble(), time, ct);
            }
        }
    }

    /// <summary>The pipeline's own test (<see cref="PeersSetup.PeerFailed"/>) applied to a token request's failure; a refusal carries the status.</summary>
    private static bool TokenRequestFailedAtPeer(Exception e)
    {
        if (e is not PeerTokenException refused)
            return PeersSetup.PeerFailed(Polly.Outcome.FromException<HttpResponseMessage>(e));
        using var response = new HttpResponseMessage(refused.Status);
        return PeersSetup.PeerFailed(Polly.Outcome.FromResult(response));
    }

    private async Task<string> FetchTokenOnceAsync(PeerOptions peer, CancellationToken ct)
    {
        var cacheKey = peer.Country;
        var now = time.GetUtcNow();

        var self = PeerIdentity.ClientIdOf(options.Value.Country);
        var tokenEndpoint = new Uri(peer.Url!, "connect/token");
        var assertion = Jws.Sign(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = self,
            ["sub"] = self,
            ["aud"] = peer.Url!.AbsoluteUri,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(1).ToUnixTimeSeconds(),
        }), keys.Signing, "client-authentication+jwt"); // explicit type (draft-ietf-oauth-rfc7523bis), required by OpenIddict 7

        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = self,
                ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ["client_assertion"] = assertion,
                ["scope"] = "exchange",
            }),
        };
        request.Options.Set(SingleUse, true);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new PeerTokenException(response.StatusCode, await OAuthErrorAsync(response, ct));
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        var accessToken = json.RootElement.GetProperty("access_token").GetString()!;
        var expiresIn = json.RootElement.TryGetProperty("expires_in", out var e) ? e.GetInt32() : 60;
        tokens.Entries[cacheKey] = (accessToken, now.AddSeconds(expiresIn));
        return accessToken;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };

    /// <summary>The OAuth error code and description (RFC 6749 §5.2): server text, never personal data.</summary>
    private static async Task<string> OAuthErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            var error = json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            var description = json.RootElement.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            return $"{error}: {description}";
        }
        catch (JsonException) { return "no OAuth error document"; }
    }
}

/// <summary>The peer's answer; <see cref="RetryAfter"/> is its Retry-After (RFC 9110 §10.2.3), when it sent one.</summary>
public sealed record PeerResponse(HttpStatusCode Status, string Body, string? MediaType, TimeSpan? RetryAfter = null);

/// <summary>The peer's token server refused this node: a configuration problem on one side.</summary>
public sealed class PeerTokenException(HttpStatusCode status, string oauthError)
    : Exception($"The peer's token endpoint answered {(int)status} ({oauthError}).")
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>Access tokens this node holds for each peer, shared by every dispatch, and the one token request under way per peer.</summary>
public sealed class PeerTokenCache(IHostApplicationLifetime? lifetime = null)
{
    /// <summary>
    /// What ends a shared token request besides the pipeline's timeouts: the node having stopped. One waiting send's
    /// departure does not end it (the others may still want the token), but once every worker has stopped nobody does,
    /// and the HTTP pipeline's disposal waits for the requests it still runs (30 s, seen with a peer that never answered).
    /// An HTTP request, unlike a statement, is safe to cancel mid-flight.
    /// </summary>
    public CancellationToken NodeStopped => lifetime?.ApplicationStopped ?? CancellationToken.None;

    private readonly ConcurrentDictionary<string, Task<string>> _fetching = new();

    public ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> Entries { get; } = new();

    /// <summary>The peer's token if it has more than 30 s left and is not <paramref name="refused"/>.</summary>
    public string? Usable(string peer, DateTimeOffset now, string? refused) =>
        Entries.TryGetValue(peer, out var cached) && cached.Expires > now.AddSeconds(30) && cached.Token != refused ? cached.Token : null;

    /// <summary>
    /// The token request already under way for <paramref name="peer"/> (<c>Started</c> false), or <paramref name="fetch"/>
    /// started as that request (true): every caller meanwhile gets the same task, so one request at a time per peer
    /// reaches its token server.
    /// </summary>
    public (Task<string> Fetch, bool Started) FetchOnceAsync(string peer, Func<Task<string>> fetch)
    {
        while (true)
        {
            if (_fetching.TryGetValue(peer, out var running))
                return (running, false);
            var fetched = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_fetching.TryAdd(peer, fetched.Task))
                continue; // another caller started one first: share it
            _ = RunAsync(fetched);
            return (fetched.Task, true);
        }

        async Task RunAsync(TaskCompletionSource<string> fetched)
        {
            try { fetched.SetResult(await fetch()); }
            catch (Exception e) { fetched.SetException(e); }
            finally { _fetching.TryRemove(KeyValuePair.Create(peer, fetched.Task)); }
        }
    }
}
