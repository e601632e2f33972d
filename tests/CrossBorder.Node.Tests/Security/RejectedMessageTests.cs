using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// docs/design.md: bad signature, unknown key, wrong addressee, stale or future time: a 4xx problem document
/// with a stable code, and nothing applied.
/// </summary>
public sealed class RejectedMessageTests
{
    private NodePair _pair = null!;
    private FrImpersonator _fr = null!;
    private HttpClient _peer = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _fr = new FrImpersonator(_pair);
        _peer = await _fr.ExchangeClientAsync();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _peer.Dispose();
        await _pair.DisposeAsync();
    }

    [Test]
    public async Task DeliverMessage_TamperedPayload_BadSignature()
    {
        var envelope = _fr.Submission();
        var parts = _fr.Sign(envelope).Split('.');
        var payload = parts[1].ToCharArray();
        var i = payload.Length / 2;
        payload[i] = payload[i] == 'A' ? 'B' : 'A';

        using var response = await FrImpersonator.DeliverAsync(_peer, $"{parts[0]}.{new string(payload)}.{parts[2]}");

        await SecurityAssert.ProblemAsync(response, 400, "CB0103");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_ForeignKeyWithTrustedKid_BadSignature()
    {
        using var rogue = SigningKey.Generate(_pair.Fr.Key.Kid);
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope, rogue));

        await SecurityAssert.ProblemAsync(response, 400, "CB0103");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_UnknownKid_UnknownKey()
    {
        using var rogue = SigningKey.Generate("rogue-kid");
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope, rogue));

        await SecurityAssert.ProblemAsync(response, 400, "CB0102");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_SignedWithReceiverOwnKey_UnknownKey()
    {
        // GB's own key is trusted for GB's receipts, never for messages claiming to come from FR.
        using var gbKey = SigningKey.FromPem(_pair.Gb.Key.Kid, _pair.Gb.Key.Algorithm.ExportPkcs8PrivateKeyPem());
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope, gbKey));

        await SecurityAssert.ProblemAsync(response, 400, "CB0102");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [TestCase("DE")]
    [TestCase("FR")]
    public async Task DeliverMessage_WrongAddressee_Refused(string to)
    {
        var envelope = _fr.Submission() with { To = to };

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 400, "CB0105");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_SenderNotAuthenticatedPeer_Refused()
    {
        var envelope = _fr.Submission() with { From = "GB" };

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 403, "CB0104");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_SentAtOneHourAhead_Stale()
    {
        var envelope = _fr.Submission();
        envelope = envelope with { SentAt = envelope.SentAt.AddHours(1) };

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 400, "CB0106");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_SentAt60DaysAgo_Stale()
    {
        var envelope = _fr.Submission();
        envelope = envelope with { SentAt = envelope.SentAt.AddDays(-60) };

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 400, "CB0106");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [TestCase(JwsTypes.Receipt)]
    [TestCase("JWT")]
    public async Task DeliverMessage_WrongTyp_Malformed(string typ)
    {
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope, type: typ));

        await SecurityAssert.ProblemAsync(response, 400, "CB0101");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [TestCase("")]
    [TestCase("garbage")]
    [TestCase("a.b.c")]
    [TestCase("eyJ.eyJ.e30")]
    public async Task DeliverMessage_GarbageBody_Malformed(string body)
    {
        using var response = await FrImpersonator.DeliverAsync(_peer, body);

        await SecurityAssert.ProblemAsync(response, 400, "CB0101");
        await AssertGbEmptyAsync();
    }

    [Test]
    public async Task DeliverMessage_SignedNonEnvelopePayload_Invalid()
    {
        var jws = Jws.Sign("{\"hello\":\"world\"}"u8, _pair.Fr.Key, JwsTypes.Message);

        using var response = await FrImpersonator.DeliverAsync(_peer, jws);

        await SecurityAssert.ProblemAsync(response, 400, "CB0109");
        await AssertGbEmptyAsync();
    }

    [Test]
    public async Task DeliverMessage_InvalidReferralInSubmission_InvalidWithoutPersonalData()
    {
        var referral = NodePair.ExampleReferral();
        referral["child"]!["dateOfBirth"] = "not-a-date";
        var body = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["reference"] = FrImpersonator.CounterpartReference,
            ["referral"] = referral,
        });
        var envelope = _fr.Submission() with { Body = body };

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 400, "CB0109");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [TestCase("text/plain")]
    [TestCase("application/json")]
    public async Task DeliverMessage_WrongContentType_UnsupportedMediaType(string contentType)
    {
        var envelope = _fr.Submission();

        using var response = await FrImpersonator.DeliverAsync(_peer, _fr.Sign(envelope), contentType);

        await SecurityAssert.ProblemAsync(response, 415, "CB0008");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_ValidJwsPaddedBeyondOneMebibyte_PayloadTooLarge()
    {
        // A valid message followed by whitespace: the size bound applies to the body, before any trimming.
        var envelope = _fr.Submission();
        var body = _fr.Sign(envelope) + new string(' ', ExchangeEndpoints.MaxMessageBytes);

        using var response = await FrImpersonator.DeliverAsync(_peer, body);

        await SecurityAssert.ProblemAsync(response, 413, "CB0007");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_OversizeChunkedBody_PayloadTooLarge()
    {
        // No Content-Length: the bound must hold while streaming too.
        var bytes = Encoding.ASCII.GetBytes(new string('A', ExchangeEndpoints.MaxMessageBytes + 1));
        using var content = new StreamContent(new NoLengthStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue(FrImpersonator.JoseMediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, "exchange/v1/messages") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _peer.SendAsync(request);

        await SecurityAssert.ProblemAsync(response, 413, "CB0007");
        await AssertGbEmptyAsync();
    }

    private async Task AssertGbEmptyAsync()
    {
        using var gb = await _pair.Gb.MinistryAsync();
        var incoming = await NodePair.GetJsonAsync(gb, "api/v1/referrals");
        Assert.That(incoming["items"]!.AsArray(), Is.Empty);
    }

    /// <summary>A readable stream that does not reveal its length, so HttpClient sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
