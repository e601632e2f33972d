using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Security;

/// <summary>docs/design.md "The exchange, step by step", step 4 and the replay rules, seen from the receiving node.</summary>
public sealed class InboundMessageTests
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
    public async Task DeliverMessage_ValidSubmission_CreatedWithVerifiableReceipt()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        var jws = _fr.Sign(envelope);

        using var response = await FrImpersonator.DeliverAsync(peer, jws);
        var receiptJws = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), receiptJws);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(FrImpersonator.JoseMediaType));

        var verified = Jws.Verify(receiptJws, JwsTypes.Receipt, await _fr.GbKeysAsync());
        Assert.That(verified.IsValid, Is.True, verified.Error);
        Assert.That(verified.Header!.Typ, Is.EqualTo("crossborder-receipt+jws"));
        var receipt = ExchangeJson.Deserialize<Receipt>(verified.Payload);
        Assert.Multiple(() =>
        {
            Assert.That(receipt.MessageId, Is.EqualTo(envelope.Id));
            Assert.That(receipt.Digest, Is.EqualTo(Jws.Digest(jws)));
            Assert.That(receipt.Receiver, Is.EqualTo("GB"));
            Assert.That(receipt.Outcome, Is.EqualTo(ReceiptOutcomes.Accepted));
        });

        using var gb = await _pair.Gb.MinistryAsync();
        var referral = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");
        Assert.Multiple(() =>
        {
            Assert.That(referral["direction"]!.GetValue<string>(), Is.EqualTo("incoming"));
            Assert.That(referral["counterpartReference"]!.GetValue<string>(), Is.EqualTo(FrImpersonator.CounterpartReference));
            Assert.That(referral["requestingState"]!.GetValue<string>(), Is.EqualTo("FR"));
            Assert.That(referral["referral"]!["child"]!["surname"]!.GetValue<string>(), Is.EqualTo(FrImpersonator.ChildSurname));
            Assert.That(referral["receivedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(receipt.ReceivedAt));
        });
        var messages = await MessagesAsync(gb, envelope.ReferralId);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0]!["jws"]!.GetValue<string>(), Is.EqualTo(jws));
        Assert.That(messages[0]!["receipt"]!.GetValue<string>(), Is.EqualTo(receiptJws));
    }

    [Test]
    public async Task DeliverMessage_SameIdSameBytes_DuplicateReceiptAndAppliedOnce()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        var jws = _fr.Sign(envelope);
        using var first = await FrImpersonator.DeliverAsync(peer, jws);
        var firstReceipt = await first.Content.ReadAsStringAsync();
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), firstReceipt);
        using var gb = await _pair.Gb.MinistryAsync();
        var before = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");

        using var second = await FrImpersonator.DeliverAsync(peer, jws);
        var secondReceipt = await second.Content.ReadAsStringAsync();

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK), secondReceipt);
        Assert.That(second.Content.Headers.ContentType?.MediaType, Is.EqualTo(FrImpersonator.JoseMediaType));
        AssertDuplicateOf(firstReceipt, secondReceipt);
        var after = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");
        Assert.That(after.ToJsonString(), Is.EqualTo(before.ToJsonString()), "nothing may be applied twice");
        Assert.That(await MessagesAsync(gb, envelope.ReferralId), Has.Count.EqualTo(1));
        var incoming = await NodePair.GetJsonAsync(gb, "api/v1/referrals?direction=incoming");
        Assert.That(incoming["items"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task DeliverMessage_SameIdSameBytesConcurrently_OneAppliedOthersGetDuplicateReceipts()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        var jws = _fr.Sign(envelope);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => FrImpersonator.DeliverAsync(peer, jws)));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        foreach (var r in responses) r.Dispose();

        Assert.That(statuses.Count(s => s == 201), Is.EqualTo(1), string.Join(", ", statuses));
        Assert.That(statuses.Count(s => s == 200), Is.EqualTo(7), string.Join(", ", statuses));
        var accepted = bodies[statuses.IndexOf(201)];
        foreach (var (body, status) in bodies.Zip(statuses).Where(b => b.Second == 200))
            AssertDuplicateOf(accepted, body);
        using var gb = await _pair.Gb.MinistryAsync();
        Assert.That(await MessagesAsync(gb, envelope.ReferralId), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task DeliverMessage_SameIdDifferentBytes_ConflictAndNothingChanged()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        var jws = _fr.Sign(envelope);
        using var first = await FrImpersonator.DeliverAsync(peer, jws);
        var receipt = await first.Content.ReadAsStringAsync();
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), receipt);
        using var gb = await _pair.Gb.MinistryAsync();
        var before = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");

        var resigned = _fr.Sign(envelope with { SentAt = envelope.SentAt.AddSeconds(1) });
        using var second = await FrImpersonator.DeliverAsync(peer, resigned);

        await SecurityAssert.ProblemAsync(second, 409, "CB0107");
        var after = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");
        Assert.That(after.ToJsonString(), Is.EqualTo(before.ToJsonString()));
        var messages = await MessagesAsync(gb, envelope.ReferralId);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0]!["jws"]!.GetValue<string>(), Is.EqualTo(jws), "the first bytes stay the stored ones");
        Assert.That(messages[0]!["receipt"]!.GetValue<string>(), Is.EqualTo(receipt));
    }

    [Test]
    public async Task DeliverMessage_SameIdOtherReferral_ConflictAndNothingApplied()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        using var first = await FrImpersonator.DeliverAsync(peer, _fr.Sign(envelope));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        var otherReferral = Guid.NewGuid();
        using var second = await FrImpersonator.DeliverAsync(peer, _fr.Sign(envelope with { ReferralId = otherReferral }));

        await SecurityAssert.ProblemAsync(second, 409, "CB0107");
        using var gb = await _pair.Gb.MinistryAsync();
        using var missing = await gb.GetAsync($"api/v1/referrals/{otherReferral}");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task DeliverMessage_UnknownReferralSeq2_Conflict()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission() with { Type = MessageTypes.Withdrawn, Seq = 2 };

        using var response = await FrImpersonator.DeliverAsync(peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 409, "CB0110");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_SubmissionWithSeq5_Conflict()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission() with { Seq = 5 };

        using var response = await FrImpersonator.DeliverAsync(peer, _fr.Sign(envelope));

        await SecurityAssert.ProblemAsync(response, 409, "CB0108");
        await SecurityAssert.NothingAppliedAsync(_pair, envelope.ReferralId, envelope.Id);
    }

    [Test]
    public async Task DeliverMessage_SecondSubmissionOfSameReferral_ConflictAndNothingChanged()
    {
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        using var first = await FrImpersonator.DeliverAsync(peer, _fr.Sign(envelope));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var gb = await _pair.Gb.MinistryAsync();
        var before = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");

        var again = _fr.Submission(envelope.ReferralId);
        using var second = await FrImpersonator.DeliverAsync(peer, _fr.Sign(again));

        await SecurityAssert.ProblemAsync(second, 409, "CB0108");
        var after = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{envelope.ReferralId}");
        Assert.That(after.ToJsonString(), Is.EqualTo(before.ToJsonString()));
        Assert.That(await MessagesAsync(gb, envelope.ReferralId), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task DeliverMessage_SameBytesAfterMaxMessageAge_DuplicateReceiptWithFirstReceiptTime()
    {
        // The receipt may be lost on the way back and FR may only retry after a long outage of its own;
        // docs/design.md: same id and same bytes again get a receipt (200, outcome duplicate, the first receipt time), so FR can still close the row.
        using var peer = await _fr.ExchangeClientAsync();
        var envelope = _fr.Submission();
        var jws = _fr.Sign(envelope);
        using var first = await FrImpersonator.DeliverAsync(peer, jws);
        var receipt = await first.Content.ReadAsStringAsync();
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), receipt);

        _pair.Clock.Advance(TimeSpan.FromDays(31));
        using var later = await _fr.ExchangeClientAsync();
        using var second = await FrImpersonator.DeliverAsync(later, jws);

        var body = await second.Content.ReadAsStringAsync();
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        AssertDuplicateOf(receipt, body);
    }

    /// <summary>
    /// docs/design.md receipt outcome: a redelivery gets a freshly signed receipt saying <c>duplicate</c>, for the same message
    /// and bytes, with the first receipt's <c>receivedAt</c> (the legal time does not move).
    /// </summary>
    private void AssertDuplicateOf(string acceptedJws, string duplicateJws)
    {
        var gbKeys = new KeyRing([_pair.Gb.Key.PublicJwk()]);
        var verified = Jws.Verify(duplicateJws, JwsTypes.Receipt, gbKeys);
        Assert.That(verified.IsValid, Is.True, verified.Error);
        var first = ExchangeJson.Deserialize<Receipt>(Jws.UnverifiedPayload(acceptedJws));
        var again = ExchangeJson.Deserialize<Receipt>(verified.Payload);
        Assert.That(first.Outcome, Is.EqualTo(ReceiptOutcomes.Accepted));
        Assert.That(again.Outcome, Is.EqualTo(ReceiptOutcomes.Duplicate));
        Assert.That(again with { Outcome = ReceiptOutcomes.Accepted }, Is.EqualTo(first), "same message, digest, receiver and receipt time");
    }

    private static async Task<JsonArray> MessagesAsync(HttpClient gb, Guid referralId)
    {
        using var response = await gb.GetAsync($"api/v1/referrals/{referralId}/messages");
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonNode.Parse(body)!.AsArray();
    }
}
