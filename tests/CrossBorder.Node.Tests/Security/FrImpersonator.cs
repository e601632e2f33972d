using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// Plays the French node towards GB by hand: an <c>exchange</c> token from GB's token server with a
/// <c>private_key_jwt</c> assertion (the shape PeerClient sends), and hand-built message JWS posted
/// straight to <c>exchange/v1/messages</c>. Tests using it create no referral on FR, so FR's own
/// dispatcher never sends anything that could interfere.
/// </summary>
public sealed class FrImpersonator(NodePair pair)
{
    public const string JoseMediaType = "application/jose";
    public const string CounterpartReference = "FR-5-2026-000999";
    public const string ClientId = "node-FR";

    /// <summary>The example child's surname: personal data that must never appear in an error answer.</summary>
    public const string ChildSurname = "Haile";

    public TestNode Gb => pair.Gb;

    /// <summary>A <c>client-authentication+jwt</c> assertion for GB's token endpoint (RFC 7523, draft-ietf-oauth-rfc7523bis).</summary>
    public string ClientAssertion(SigningKey? key = null, string? jti = null)
    {
        var now = pair.Clock.GetUtcNow();
        return Jws.Sign(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = ClientId,
            ["sub"] = ClientId,
            ["aud"] = pair.Gb.Url.AbsoluteUri,
            ["jti"] = jti ?? Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(1).ToUnixTimeSeconds(),
        }), key ?? pair.Fr.Key, "client-authentication+jwt");
    }

    /// <summary>Posts a client-credentials request to GB's token endpoint; the caller inspects the answer.</summary>
    public async Task<HttpResponseMessage> RequestTokenAsync(string assertion, string? scope = "exchange")
    {
        using var http = pair.Gb.Anonymous();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        };
        if (scope is not null) form["scope"] = scope;
        return await http.PostAsync("connect/token", new FormUrlEncodedContent(form));
    }

    /// <summary>An HTTP client towards GB carrying a fresh <c>exchange</c> token for node-FR.</summary>
    public async Task<HttpClient> ExchangeClientAsync()
    {
        using var response = await RequestTokenAsync(ClientAssertion());
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, $"exchange token request failed: {(int)response.StatusCode} {body}");
        var http = pair.Gb.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
        return http;
    }

    /// <summary>The body of a real <c>referral.submitted</c>: FR's reference and the example referral.</summary>
    public static JsonElement SubmissionBody() => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["reference"] = CounterpartReference,
        ["referral"] = NodePair.ExampleReferral(),
    });

    /// <summary>A well-formed first message of a new referral from FR to GB, sent now.</summary>
    public MessageEnvelope Submission(Guid? referralId = null)
    {
        var now = pair.Clock.GetUtcNow().TruncateToMilliseconds();
        return new MessageEnvelope(Guid.CreateVersion7(now), MessageTypes.Submitted, "FR", "GB", referralId ?? Guid.NewGuid(),
            Seq: 1, now, "DUBLIN_III_ART8", SubmissionBody());
    }

    public string Sign(MessageEnvelope envelope, SigningKey? key = null, string type = JwsTypes.Message) =>
        Jws.Sign(ExchangeJson.Serialize(envelope), key ?? pair.Fr.Key, type);

    public static Task<HttpResponseMessage> DeliverAsync(HttpClient client, string body, string contentType = JoseMediaType) =>
        DeliverAsync(client, Encoding.ASCII.GetBytes(body), contentType);

    public static async Task<HttpResponseMessage> DeliverAsync(HttpClient client, byte[] body, string contentType = JoseMediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, "exchange/v1/messages") { Content = content };
        return await client.SendAsync(request);
    }

    /// <summary>GB's published keys, the ones anyone verifies GB's receipts with.</summary>
    public async Task<KeyRing> GbKeysAsync()
    {
        using var http = pair.Gb.Anonymous();
        return new KeyRing(JsonWebKeySet.Parse(await http.GetStringAsync("exchange/v1/keys")).Keys);
    }
}
