using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Contract;
using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;

namespace CrossBorder.Node.Tests.Steps;

/// <summary>A step from the peer that the local status does not allow is stored and flagged, never dropped.</summary>
public sealed class ConflictTests
{
    [Test]
    public async Task PeerStep_NotAllowedFromLocalStatus_StoredFlaggedAndInFeed()
    {
        await using var pair = await NodePair.StartAsync();
        var fr = new FrImpersonator(pair);
        var exchange = await fr.ExchangeClientAsync();
        var submission = fr.Submission();
        using (var first = await FrImpersonator.DeliverAsync(exchange, fr.Sign(submission)))
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        // FR proposes a transfer while GB still examines the case: legal for no one, yet signed evidence.
        var now = pair.Clock.GetUtcNow().TruncateToMilliseconds();
        var proposal = new MessageEnvelope(Guid.CreateVersion7(now), MessageTypes.TransferProposed, "FR", "GB", submission.ReferralId,
            Seq: 2, now, submission.LegalBasis, JsonSerializer.Deserialize<JsonElement>(ExampleDocuments.Read("transfer-proposal.json")));
        using var response = await FrImpersonator.DeliverAsync(exchange, fr.Sign(proposal));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), "stored, with a signed receipt");

        var gb = await pair.Gb.MinistryAsync();
        var referral = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{submission.ReferralId}");
        Assert.Multiple(() =>
        {
            Assert.That(referral["status"]!.GetValue<string>(), Is.EqualTo(ReferralStatus.UnderExamination), "not applied");
            Assert.That(referral["hasConflict"]!.GetValue<bool>(), Is.True);
            var last = referral["history"]!.AsArray().Last()!;
            Assert.That(last["step"]!.GetValue<string>(), Is.EqualTo("transfer-proposal"));
            Assert.That(last["conflict"]!.GetValue<bool>(), Is.True);
            Assert.That(last["messageId"]!.GetValue<string>(), Is.EqualTo(proposal.Id.ToString()));
        });
        var messages = JsonNode.Parse(await gb.GetStringAsync($"api/v1/referrals/{submission.ReferralId}/messages"))!.AsArray();
        Assert.That(messages.Single(m => m!["id"]!.GetValue<string>() == proposal.Id.ToString())!["state"]!.GetValue<string>(),
            Is.EqualTo(MessageStates.Conflict));
        await NodePair.FeedEventuallyAsync(gb, items => items.Any(e => e!["type"]!.GetValue<string>() == "step.conflict"
            && e["referralId"]!.GetValue<string>() == submission.ReferralId.ToString()), because: "the conflict is on the feed");
    }
}
