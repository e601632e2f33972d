using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// docs/design.md "Public contract": scopes never overlap in power. Also the token server's own refusals
/// (OAuth error format) and the token lifetime of docs/design.md "Security".
/// </summary>
public sealed class ScopeSeparationTests
{
    private NodePair _pair = null!;
    private FrImpersonator _fr = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _fr = new FrImpersonator(_pair);
    }

    [TearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task DeliverMessage_MinistryToken_Forbidden()
    {
        using var ministry = await _pair.Gb.MinistryAsync();
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(ministry, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_AuditorToken_Forbidden()
    {
        using var auditor = await _pair.Gb.AuditorAsync();
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(auditor, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_NoToken_Unauthorized()
    {
        using var anonymous = _pair.Gb.Anonymous();
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(anonymous, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 401, "CB0010");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_ForgedBearerToken_Unauthorized()
    {
        using var forged = _pair.Gb.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _fr.ClientAssertion());
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(forged, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 401, "CB0010");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task ListReferrals_ExchangeToken_Forbidden()
    {
        using var peer = await _fr.ExchangeClientAsync();

        using var response = await peer.GetAsync("api/v1/referrals");

        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
    }

    [Test]
    public async Task GetReferral_ExchangeToken_Forbidden()
    {
        var id = await DeliverOneAsync();
        using var peer = await _fr.ExchangeClientAsync();

        using var referral = await peer.GetAsync($"api/v1/referrals/{id}");
        await SecurityAssert.ProblemAsync(referral, 403, "CB0011");
        using var messages = await peer.GetAsync($"api/v1/referrals/{id}/messages");
        await SecurityAssert.ProblemAsync(messages, 403, "CB0011");
    }

    [Test]
    public async Task CreateReferral_ExchangeToken_Forbidden()
    {
        using var peer = await _fr.ExchangeClientAsync();

        using var response = await NodePair.PostReferralAsync(peer, NodePair.ExampleReferral());

        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        await AssertNoReferralsOnGbAsync();
    }

    [Test]
    public async Task ListReferrals_AuditorToken_Forbidden()
    {
        using var auditor = await _pair.Gb.AuditorAsync();

        using var response = await auditor.GetAsync("api/v1/referrals");

        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
    }

    [Test]
    public async Task GetReferral_AuditorToken_ForbiddenWithoutPersonalData()
    {
        var id = await DeliverOneAsync();
        using var auditor = await _pair.Gb.AuditorAsync();

        using var referral = await auditor.GetAsync($"api/v1/referrals/{id}");
        await SecurityAssert.ProblemAsync(referral, 403, "CB0011");
        using var messages = await auditor.GetAsync($"api/v1/referrals/{id}/messages");
        await SecurityAssert.ProblemAsync(messages, 403, "CB0011");
    }

    [Test]
    public async Task CreateReferral_AuditorToken_Forbidden()
    {
        using var auditor = await _pair.Gb.AuditorAsync();

        using var response = await NodePair.PostReferralAsync(auditor, NodePair.ExampleReferral());

        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        await AssertNoReferralsOnGbAsync();
    }

    [Test]
    public async Task ListReferrals_NoToken_Unauthorized()
    {
        using var anonymous = _pair.Gb.Anonymous();

        using var response = await anonymous.GetAsync("api/v1/referrals");

        await SecurityAssert.ProblemAsync(response, 401, "CB0010");
    }

    [Test]
    public async Task CreateReferral_NoToken_Unauthorized()
    {
        using var anonymous = _pair.Gb.Anonymous();

        using var response = await NodePair.PostReferralAsync(anonymous, NodePair.ExampleReferral());

        await SecurityAssert.ProblemAsync(response, 401, "CB0010");
        await AssertNoReferralsOnGbAsync();
    }

    [Test]
    public async Task Token_MinistryAsksExchangeScope_InvalidScope()
    {
        using var response = await SecretTokenAsync(_pair.Gb.MinistryClientId, _pair.Gb.MinistrySecret, "exchange");

        await SecurityAssert.OAuthErrorAsync(response, [400], "invalid_scope");
    }

    [Test]
    public async Task Token_AuditorAsksReferralsRead_InvalidScope()
    {
        using var response = await SecretTokenAsync(_pair.Gb.AuditorClientId, _pair.Gb.AuditorSecret, "referrals.read");

        await SecurityAssert.OAuthErrorAsync(response, [400], "invalid_scope");
    }

    [Test]
    public async Task Token_PeerAsksReferralsRead_InvalidScope()
    {
        using var response = await _fr.RequestTokenAsync(_fr.ClientAssertion(), "referrals.read");

        await SecurityAssert.OAuthErrorAsync(response, [400], "invalid_scope");
    }

    [Test]
    public async Task Token_WrongSecret_InvalidClient()
    {
        using var response = await SecretTokenAsync(_pair.Gb.MinistryClientId, _pair.Gb.MinistrySecret + "x", null);

        await SecurityAssert.OAuthErrorAsync(response, [400, 401], "invalid_client");
    }

    [Test]
    public async Task Token_OtherNodeSecret_InvalidClient()
    {
        // FR's ministry secret is not valid at GB, even for the client id GB's ministry uses.
        using var response = await SecretTokenAsync(_pair.Gb.MinistryClientId, _pair.Fr.MinistrySecret, null);

        await SecurityAssert.OAuthErrorAsync(response, [400, 401], "invalid_client");
    }

    [Test]
    public async Task Token_PeerAssertionSignedByForeignKey_InvalidClient()
    {
        using var rogue = SigningKey.Generate(_pair.Fr.Key.Kid);

        using var response = await _fr.RequestTokenAsync(_fr.ClientAssertion(rogue));

        await SecurityAssert.OAuthErrorAsync(response, [400, 401], "invalid_client");
    }

    [Test]
    public async Task Token_PeerAssertionReused_InvalidClient()
    {
        // docs/design.md "Security": a client assertion's jti is single-use.
        var assertion = _fr.ClientAssertion();
        using var first = await _fr.RequestTokenAsync(assertion);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());

        using var second = await _fr.RequestTokenAsync(assertion);

        await SecurityAssert.OAuthErrorAsync(second, [400, 401], "invalid_client");
    }

    [Test]
    public async Task Token_PeerAssertionSentManyTimesAtOnce_OneToken_TheRestInvalidClient()
    {
        // A retried token request that reaches the server twice: the copies race to record the jti.
        var assertion = _fr.ClientAssertion();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _fr.RequestTokenAsync(assertion)));
        try
        {
            Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), "one token for one assertion");
            foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
                await SecurityAssert.OAuthErrorAsync(refused, [400, 401], "invalid_client");
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    [Test]
    public async Task Token_AllClients_ShortLivedEs256()
    {
        using var ministry = await SecretTokenAsync(_pair.Gb.MinistryClientId, _pair.Gb.MinistrySecret, null);
        using var auditor = await SecretTokenAsync(_pair.Gb.AuditorClientId, _pair.Gb.AuditorSecret, null);
        using var peer = await _fr.RequestTokenAsync(_fr.ClientAssertion());

        foreach (var response in new[] { ministry, auditor, peer })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            var json = JsonNode.Parse(body)!;
            Assert.That(json["expires_in"]!.GetValue<int>(), Is.InRange(1, 300), body);
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(json["access_token"]!.GetValue<string>().Split('.')[0]))!;
            Assert.That(header["alg"]!.GetValue<string>(), Is.EqualTo("ES256"));
        }
    }

    private async Task<HttpResponseMessage> SecretTokenAsync(string clientId, string secret, string? scope)
    {
        using var http = _pair.Gb.Anonymous();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        };
        if (scope is not null) form["scope"] = scope;
        return await http.PostAsync("connect/token", new FormUrlEncodedContent(form));
    }

    /// <summary>Puts one incoming referral on GB, so refusals to read it are refusals, not 404s.</summary>
    private async Task<Guid> DeliverOneAsync()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        using var response = await FrImpersonator.DeliverAsync(peer, _fr.Sign(envelope));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return envelope.ReferralId;
    }

    private async Task AssertNoReferralsOnGbAsync()
    {
        using var gb = await _pair.Gb.MinistryAsync();
        var page = await NodePair.GetJsonAsync(gb, "api/v1/referrals");
        Assert.That(page["items"]!.AsArray(), Is.Empty);
    }
}
