using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Contract;
using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// Issue 10: an inbound step is checked against the case's parties and the step's side, not only its signature.
/// GB trusts a third node (DE) for other cases; DE is no party to an FR-GB referral.
/// </summary>
public sealed class PartyCheckTests
{
    private NodePair _pair = null!;
    private SigningKey _de = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _de = SigningKey.Generate($"DE-test-{Guid.NewGuid():N}"[..20]);
        var jwks = new JsonWebKeySet([_de.PublicJwk()]).ToJson();
        _pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country != "GB") return;
            c["Node:Peers:1:Country"] = "DE";
            c["Node:Peers:1:Url"] = "http://127.0.0.1:9/";
            c["Node:Peers:1:Jwks"] = jwks;
        });
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _pair.DisposeAsync();
        _de.Dispose();
    }

    [Test]
    public async Task Step_FromThirdTrustedNode_403SecurityEventNothingApplied()
    {
        var (fr, referralId) = await SubmitAsync();
        using var de = await DeExchangeClientAsync();
        var now = _pair.Clock.GetUtcNow().TruncateToMilliseconds();
        var withdrawal = new MessageEnvelope(Guid.CreateVersion7(now), MessageTypes.Withdrawn, "DE", "GB", referralId, Seq: 2, now,
            "DUBLIN_III_ART8", Body("withdrawal"));
        using var response = await FrImpersonator.DeliverAsync(de, Jws.Sign(ExchangeJson.Serialize(withdrawal), _de, JwsTypes.Message));

        await SecurityAssert.ProblemAsync(response, 403, "CB0104");
        await AssertRefusedAsync(referralId, withdrawal.Id, "CB0104", "DE");
    }

    [Test]
    public async Task Step_OfTheOtherSideFromTheRightPeer_403SecurityEventNothingApplied()
    {
        var (fr, referralId) = await SubmitAsync();
        using var exchange = await fr.ExchangeClientAsync();
        var now = _pair.Clock.GetUtcNow().TruncateToMilliseconds();
        // A decision is the requested state's step: FR, the requesting state, may not take it, even signed.
        var decision = new MessageEnvelope(Guid.CreateVersion7(now), MessageTypes.Decided, "FR", "GB", referralId, Seq: 2, now,
            "DUBLIN_III_ART8", Body("decision-accept"));
        using var response = await FrImpersonator.DeliverAsync(exchange, fr.Sign(decision));

        await SecurityAssert.ProblemAsync(response, 403, "CB0017");
        await AssertRefusedAsync(referralId, decision.Id, "CB0017", "FR");
    }

    private async Task<(FrImpersonator Fr, Guid ReferralId)> SubmitAsync()
    {
        var fr = new FrImpersonator(_pair);
        using var exchange = await fr.ExchangeClientAsync();
        var submission = fr.Submission();
        using var first = await FrImpersonator.DeliverAsync(exchange, fr.Sign(submission));
        Assert.That((int)first.StatusCode, Is.EqualTo(201));
        return (fr, submission.ReferralId);
    }

    private static JsonElement Body(string example) => JsonSerializer.Deserialize<JsonElement>(ExampleDocuments.Read($"{example}.json"));

    private async Task AssertRefusedAsync(Guid referralId, Guid messageId, string code, string peer)
    {
        using var gb = await _pair.Gb.MinistryAsync();
        var referral = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{referralId}");
        Assert.Multiple(() =>
        {
            Assert.That(referral["status"]!.GetValue<string>(), Is.EqualTo(ReferralStatus.UnderExamination));
            Assert.That(referral["hasConflict"]!.GetValue<bool>(), Is.False);
            Assert.That(referral["history"]!.AsArray().Select(h => h!["messageId"]?.GetValue<string>()), Does.Not.Contain(messageId.ToString()));
        });
        await using var scope = _pair.Gb.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
        Assert.That(await db.Messages.CountAsync(m => m.Id == messageId), Is.Zero, "a refused message is not stored");
        // Entries are inserted pending and copied to the log when sequenced: the event is there once, in either.
        var client = $"node-{peer}";
        var events = Math.Max(await db.AuditPending.CountAsync(e => e.Kind == AuditKinds.SecurityMessageRejected && e.ClientId == client),
            await db.AuditEntries.CountAsync(e => e.Kind == AuditKinds.SecurityMessageRejected && e.ClientId == client));
        Assert.That(events, Is.EqualTo(1), $"one security event ({code}) in the audit log");
    }

    private async Task<HttpClient> DeExchangeClientAsync()
    {
        var now = _pair.Clock.GetUtcNow();
        var assertion = Jws.Sign(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = "node-DE", ["sub"] = "node-DE", ["aud"] = _pair.Gb.Url.AbsoluteUri, ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(1).ToUnixTimeSeconds(),
        }), _de, "client-authentication+jwt");
        using var anonymous = _pair.Gb.Anonymous();
        using var response = await anonymous.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "node-DE", ["scope"] = "exchange",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, body);
        var http = _pair.Gb.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
        return http;
    }
}
