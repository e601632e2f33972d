using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;

namespace CrossBorder.Node.Tests.Contract;

/// <summary>
/// Issue 11: input that used to reach PostgreSQL or the framework unchecked and came back as a 5xx (or as a problem
/// without the field), and HTTP-level answers outside the contract. Each test names the class of bug it pins.
/// </summary>
[TestFixture]
public sealed class InputContractTests
{
    private NodePair _pair = null!;
    private HttpClient _ministry = null!;
    private HttpClient _auditor = null!;
    private HttpClient _operator = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _ministry = await _pair.Fr.MinistryAsync();
        _auditor = await _pair.Fr.AuditorAsync();
        _operator = await _pair.Fr.OperatorAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _ministry.Dispose();
        _auditor.Dispose();
        _operator.Dispose();
        await _pair.DisposeAsync();
    }

    // Npgsql refuses a DateTimeOffset with a non-zero offset for timestamptz: this was a 500.
    [TestCase("api/v1/referrals?updatedSince=2026-01-01T00:00:00%2B02:00")]
    [TestCase("api/v1/referrals?dueBefore=2030-01-01T00:00:00-05:00")]
    public async Task ListReferrals_InstantWithOffset_NormalisedToUtc(string path)
    {
        using var response = await _ministry.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task ListAuditEntries_InstantsWithOffsets_NormalisedToUtc()
    {
        using var response = await _auditor.GetAsync("api/v1/audit/entries?since=2026-01-01T00:00:00%2B05:30&until=2099-01-01T00:00:00-08:00");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    // PostgreSQL text cannot hold U+0000: this was a 500 from the audit filters.
    [TestCase("api/v1/audit/entries?client=fr%00ministry", "client")]
    [TestCase("api/v1/audit/entries?kind=%00", "kind")]
    public async Task ListAuditEntries_NulInFilter_400NamingTheField(string path, string field)
    {
        using var response = await _auditor.GetAsync(path);
        await AssertFieldErrorAsync(response, field);
    }

    [Test]
    public async Task Token_NulInClientId_400InvalidRequestAndAudited()
    {
        using var http = _pair.Fr.Anonymous();
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "fr-ministry\0",
            ["client_secret"] = "x",
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(JsonNode.Parse(body)!["error"]!.GetValue<string>(), Is.EqualTo("invalid_request"));
    }

    [Test]
    public async Task Token_WrongSecret_RefusalIsAnAuditEntry()
    {
        using var http = _pair.Fr.Anonymous();
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = _pair.Fr.MinistryClientId,
            ["client_secret"] = "not-the-secret",
        }));
        Assert.That((int)response.StatusCode, Is.EqualTo(401).Or.EqualTo(400));
        var entries = await NodePair.EventuallyAsync(
            () => NodePair.GetJsonAsync(_auditor, "api/v1/audit/entries?kind=security.token_refused&limit=1000"),
            page => page["items"]!.AsArray().Any(e => e!["client"]?.GetValue<string>() == _pair.Fr.MinistryClientId),
            because: "a refused token request is a security event in the audit log");
        Assert.That(entries["items"]!.AsArray().First(e => e!["client"]?.GetValue<string>() == _pair.Fr.MinistryClientId)!["code"]!
            .GetValue<string>(), Is.EqualTo("invalid_client"));
    }

    [TestCase("GET")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    public async Task Token_OtherMethods_405WithAllowPost(string method)
    {
        using var http = _pair.Fr.Anonymous();
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "connect/token"));
        Assert.That((int)response.StatusCode, Is.EqualTo(405), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.Allow, Is.EquivalentTo(new[] { "POST" }));
    }

    // The framework's own binding failures were problems without `errors`.
    [TestCase("api/v1/events?after=abc", "after")]
    [TestCase("api/v1/events?limit=99999999999", "limit")]
    [TestCase("api/v1/referrals?overdue=maybe", "overdue")]
    [TestCase("api/v1/referrals?updatedSince=yesterday", "updatedSince")]
    // Regression (contract fuzzer): the framework's lenient binding took `1.5` as 5 January and a time without an
    // offset as the server's local time; instants are RFC 3339 date-times with an offset, as the document says.
    [TestCase("api/v1/referrals?dueBefore=1.5", "dueBefore")]
    [TestCase("api/v1/referrals?updatedSince=2026-01-01T00:00:00", "updatedSince")]
    [TestCase("api/v1/referrals?updatedSince=2026-01-01", "updatedSince")]
    public async Task UnparsableQueryValue_400NamingTheField(string path, string field)
    {
        using var response = await _ministry.GetAsync(path);
        await AssertFieldErrorAsync(response, field);
    }

    // Regression (contract fuzzer, after minimal APIs moved to the source-generated binding): the generated code reads an
    // empty value of an optional parameter as no value, so `cosigned=` answered 200. The document allows no empty value.
    [TestCase("ministry", "api/v1/referrals?overdue=", "overdue")]
    [TestCase("ministry", "api/v1/referrals?updatedSince=", "updatedSince")]
    [TestCase("ministry", "api/v1/referrals?limit=", "limit")]
    [TestCase("ministry", "api/v1/events?after=", "after")]
    [TestCase("ministry", "api/v1/events?limit=", "limit")]
    [TestCase("auditor", "api/v1/audit/checkpoints/latest?cosigned=", "cosigned")]
    [TestCase("auditor", "api/v1/audit/entries?referralId=", "referralId")]
    [TestCase("auditor", "api/v1/audit/entries?messageId=", "messageId")]
    [TestCase("auditor", "api/v1/audit/entries?since=", "since")]
    [TestCase("auditor", "api/v1/audit/entries?limit=", "limit")]
    [TestCase("auditor", "api/v1/audit/entries?client=", "client")]
    [TestCase("auditor", "api/v1/audit/entries/0/proof?treeSize=", "treeSize")]
    [TestCase("auditor", "api/v1/audit/consistency?from=&to=1", "from")]
    [TestCase("auditor", "api/v1/operations/checkpoints?limit=", "limit")]
    [TestCase("operator", "api/v1/operations/throughput?minutes=", "minutes")]
    [TestCase("operator", "api/v1/operations/dead-letters?limit=", "limit")]
    public async Task EmptyQueryValue_400NamingTheField(string caller, string path, string field)
    {
        var client = caller switch { "ministry" => _ministry, "auditor" => _auditor, _ => _operator };
        using var response = await client.GetAsync(path);
        await AssertFieldErrorAsync(response, field);
    }

    [Test]
    public async Task AQueryValueNamedAsAPathParameter_IsNotRead()
    {
        // The input rules check the query values a handler binds; `index` here is bound from the path, not the query.
        using var plain = await _auditor.GetAsync("api/v1/audit/entries/0/proof");
        using var stray = await _auditor.GetAsync("api/v1/audit/entries/0/proof?index=abc");
        var (plainBody, strayBody) = (await plain.Content.ReadAsStringAsync(), await stray.Content.ReadAsStringAsync());
        Assert.That(stray.StatusCode, Is.EqualTo(plain.StatusCode), strayBody);
        Assert.That(strayBody, Does.Not.Contain("\"errors\""), "no field error for the stray value");
        if (plain.StatusCode != HttpStatusCode.OK)
            Assert.That(JsonNode.Parse(strayBody)!["code"]!.GetValue<string>(), Is.EqualTo(JsonNode.Parse(plainBody)!["code"]!.GetValue<string>()));
    }

    [Test]
    public async Task AuditConsistency_MissingRequiredValue_400NamingTheField()
    {
        using var response = await _auditor.GetAsync("api/v1/audit/consistency?from=0");
        await AssertFieldErrorAsync(response, "to");
    }

    // One cursor parser: only the spelling the API returns is accepted.
    [TestCase("api/v1/referrals?cursor=AAAAAAAAAAAAAAAAAAAAAB", "cursor")] // non-canonical trailing bits
    [TestCase("api/v1/referrals?cursor=AAAAAAAAAAAAAAAAAAAAAA%3D%3D", "cursor")]
    [TestCase("api/v1/events?after=9007199254740992", "after")]
    public async Task Cursor_NotAsReturned_400(string path, string field)
    {
        using var response = await _ministry.GetAsync(path);
        await AssertFieldErrorAsync(response, field);
    }

    [TestCase("api/v1/audit/entries?cursor=%2B5", "cursor")]
    [TestCase("api/v1/audit/entries?cursor=99999999999999999", "cursor")]
    [TestCase("api/v1/audit/entries?kind=no.such.kind", "kind")]
    [TestCase("api/v1/audit/checkpoints/latest?cosigned=abc", "cosigned")]
    public async Task AuditCursorAndKind_NotAsDocumented_400(string path, string field)
    {
        using var response = await _auditor.GetAsync(path);
        await AssertFieldErrorAsync(response, field);
    }

    [Test]
    public async Task LongRequestTarget_414Problem()
    {
        using var response = await _ministry.GetAsync("api/v1/referrals?status=" + new string('A', 5000));
        Assert.That((int)response.StatusCode, Is.EqualTo(414));
        await AssertProblemAsync(response, "CB0019");
    }

    // Routing answered 415 before authentication ran: an anonymous caller learnt the content types.
    [TestCase("exchange/v1/messages")]
    [TestCase("exchange/v1/checkpoints")]
    [TestCase("api/v1/referrals")]
    public async Task Post_AnonymousWithWrongContentType_401Not415(string path)
    {
        using var http = _pair.Gb.Anonymous();
        using var response = await http.PostAsync(path, new StringContent("x", Encoding.UTF8, "text/plain"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Responses_NoServerHeader_AndRateLimitHeaders()
    {
        using var response = await _ministry.GetAsync("api/v1/events");
        Assert.That(response.Headers.Server, Is.Empty, "no Server: Kestrel");
        Assert.That(response.Headers.GetValues("RateLimit-Policy").Single(), Does.Match("^\"client\";q=[0-9]+;w=[0-9]+$"));
        Assert.That(response.Headers.GetValues("RateLimit").Single(), Does.Match("^\"client\";r=[0-9]+;t=[0-9]+$"));
        Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False, "no CORS origin by default");
    }

    [Test]
    public async Task CorsPreflight_NoOriginConfigured_NoAllowOrigin()
    {
        using var http = _pair.Fr.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Options, "api/v1/referrals");
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        using var response = await http.SendAsync(request);
        Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    [Test]
    public async Task Feed_Latest_IsTheNewestPosition()
    {
        using var created = await NodePair.PostReferralAsync(_ministry, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var latest = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(_ministry, "api/v1/events/latest"),
            l => l["last"]!.GetValue<long>() > 0);
        var last = latest["last"]!.GetValue<long>();
        var page = await NodePair.GetJsonAsync(_ministry, $"api/v1/events?after={last - 1}&limit=500");
        Assert.That(page["items"]!.AsArray().Select(e => e!["position"]!.GetValue<long>()), Does.Contain(last));
    }

    [Test]
    public async Task CreateReferral_NulInText_400NamingTheField()
    {
        var referral = NodePair.ExampleReferral();
        referral["child"]!["surname"] = "Hai\0le";
        using var response = await NodePair.PostReferralAsync(_ministry, referral);
        await AssertFieldErrorAsync(response, "child.surname");
    }

    // Issue 11 (5): a peer's step body passes the same validation as a ministry's step.
    [Test]
    public async Task DeliverMessage_StepBodyInvalid_400AndAuditedWithIds()
    {
        var fr = new FrImpersonator(_pair);
        using var peer = await fr.ExchangeClientAsync();
        var submission = fr.Submission();
        using (var first = await FrImpersonator.DeliverAsync(peer, fr.Sign(submission)))
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), await first.Content.ReadAsStringAsync());
        var now = _pair.Clock.GetUtcNow().TruncateToMilliseconds();
        var withdrawal = new MessageEnvelope(Guid.CreateVersion7(now), MessageTypes.Withdrawn, "FR", "GB", submission.ReferralId, 2, now,
            "DUBLIN_III_ART8", JsonSerializer.SerializeToElement(new { reason = "" }));
        using var response = await FrImpersonator.DeliverAsync(peer, fr.Sign(withdrawal));
        await AssertProblemAsync(response, "CB0109");

        using var gbAuditor = await _pair.Gb.AuditorAsync();
        var page = await NodePair.EventuallyAsync(
            () => NodePair.GetJsonAsync(gbAuditor, $"api/v1/audit/entries?messageId={withdrawal.Id}"),
            p => p["items"]!.AsArray().Count > 0, because: "a refused message is an audit entry naming its ids");
        var entry = page["items"]![0]!;
        Assert.That(entry["kind"]!.GetValue<string>(), Is.EqualTo("security.message_rejected"));
        Assert.That(entry["referralId"]!.GetValue<Guid>(), Is.EqualTo(submission.ReferralId));
        Assert.That(entry["peer"]!.GetValue<string>(), Is.EqualTo("FR"));
        Assert.That(entry["code"]!.GetValue<string>(), Is.EqualTo("CB0109"));
    }

    [Test]
    public async Task DeliverMessage_JwsHeaderWithCrit_Refused()
    {
        var fr = new FrImpersonator(_pair);
        using var peer = await fr.ExchangeClientAsync();
        var payload = ExchangeJson.Serialize(fr.Submission());
        var header = JsonSerializer.SerializeToUtf8Bytes(new { alg = "ES256", kid = _pair.Fr.Key.Kid, typ = JwsTypes.Message, crit = new[] { "exp" }, exp = 1 });
        var input = System.Buffers.Text.Base64Url.EncodeToString(header) + "." + System.Buffers.Text.Base64Url.EncodeToString(payload);
        var signature = _pair.Fr.Key.Algorithm.SignData(Encoding.ASCII.GetBytes(input), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        using var response = await FrImpersonator.DeliverAsync(peer, input + "." + System.Buffers.Text.Base64Url.EncodeToString(signature));
        await AssertProblemAsync(response, "CB0101");
    }

    private static async Task AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        var problem = JsonNode.Parse(body)!;
        Assert.That(problem["code"]!.GetValue<string>(), Is.EqualTo("CB0001"), body);
        Assert.That(problem["errors"]?.AsObject().Select(e => e.Key), Does.Contain(field), body);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        Assert.That(JsonNode.Parse(body)!["code"]!.GetValue<string>(), Is.EqualTo(code), body);
    }
}
