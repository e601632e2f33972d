using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// What the peer's messages and receipts mean for a case (<see cref="ICaseMessages"/>). A verified message from the
/// peer is applied to this node's copy; a step the local state does not allow is not dropped: it is stored and
/// flagged as a conflict, for the ministry and auditors. A receipt of this node's message settles it.
/// </summary>
public sealed class PeerMessages(NodeDbContext db, NodeKeys keys, IOptions<NodeOptions> node, CaseLifecycle lifecycle,
    LegalClocks clocks, NewReferrals referrals, IDocumentMessages documents) : ICaseMessages
{
    // now: this node's clock at reception; the receipt time is taken from it once the case is locked.
    public async Task<ApplyResult> ApplyAsync(MessageEnvelope envelope, DateTimeOffset now, CancellationToken ct)
    {
        // Row lock: a ministry step or a lapse on the same case waits for this message (or this for it), never a lost update.
        var referral = await db.LockReferralAsync(envelope.ReferralId, ct);
        if (envelope.Type == MessageTypes.Submitted)
        {
            if (referral is not null)
                return referral.RequestingState == envelope.From
                    ? ApplyResult.Fail(Problems.OutOfSequence, "This referral was already submitted.")
                    : ApplyResult.Fail(Problems.WrongSender, "The sender is not a party to this referral.");
            return await CreateAsync(envelope, now.TruncateToMilliseconds(), ct);
        }

        if (referral is null)
            return ApplyResult.Fail(Problems.UnknownReferral, null);
        // This node erased its copy (its retention, or an order): nothing can be applied or stored; the peer dead-letters it.
        if (referral.ErasedAt is not null)
            return ApplyResult.Fail(Problems.Erased, "This node no longer holds the case's data.");
        // Parties first: a trusted peer that is not a party to this case learns nothing about it (not even its sequence).
        if (envelope.From != referral.RequestingState && envelope.From != referral.RequestedState)
            return ApplyResult.Fail(Problems.WrongSender, "The sender is not a party to this referral.");
        if (documents.Handles(envelope.Type))
        {
            // Not a step: no order time and no wait for this node's own step; only the sequence.
            return envelope.Seq != referral.LastIncomingSeq + 1
                ? ApplyResult.Fail(Problems.OutOfSequence, $"Expected seq {referral.LastIncomingSeq + 1}.")
                : await documents.ApplyAsync(referral, envelope, now, ct);
        }
        if (Lifecycle.ForMessage(envelope.Type) is not { } step)
            return ApplyResult.Fail(Problems.MessageInvalid, $"Unknown message type '{envelope.Type}'.");
        var senderSide = envelope.From == referral.RequestingState ? Side.Requesting : Side.Requested;
        if (step.TakenBy != senderSide)
            return ApplyResult.Fail(Problems.WrongSide, $"'{step.Name}' is not a step of the {senderSide} state.");
        if (envelope.Seq != referral.LastIncomingSeq + 1)
            return ApplyResult.Fail(Problems.OutOfSequence, $"Expected seq {referral.LastIncomingSeq + 1}.");

        // The requesting node takes no delivery of the peer's step while its own is in flight: once its own step's
        // receipt is in, every step it sent comes before the peer's on its clock, and the peer holds them all when it
        // reads this receipt's time (docs/agreement.md). The peer's outbox retries; nothing is stored. The submission counts
        // until its receipt is in: the peer can answer it before this node has read the receipt (its answer was lost with
        // a replica), and the answer must wait for it, not meet SUBMITTED as a conflict.
        if (referral.Direction == Directions.Outgoing && referral.AwaitsOwnReceipt)
            return ApplyResult.Fail(Problems.OwnStepInFlight, "Deliver again after Retry-After.");

        object body;
        try { body = StepValidator.Read(step.Name, JsonSerializer.SerializeToUtf8Bytes(envelope.Body)); }
        catch (JsonException) { return ApplyResult.Fail(Problems.MessageInvalid, $"The body is not a '{step.Name}' body."); }
        // The same rules as a ministry's step (TakeStep), on the date the sender wrote it, so both sides agree.
        if (StepValidator.Validate(body, DateOnly.FromDateTime(envelope.SentAt.UtcDateTime), referral.TransferDueAt) is { Count: > 0 } invalid)
            return ApplyResult.Fail(Problems.MessageInvalid, "Invalid fields: " + string.Join(", ", invalid.Keys));
        var receivedAt = lifecycle.NextOrderTime(referral);
        // Applied at receipt by this node's clock (the clock that signs the receipt), in the order docs/agreement.md gives.
        await lifecycle.ReceiveAsync(referral, envelope, step.Name, Outcome(body), receivedAt, ct);
        var conflict = db.StepsOf(referral.Id).Any(x => x.MessageId == envelope.Id && x.State == StepStates.Conflict);
        return new ApplyResult(referral, conflict, null, null, receivedAt);
    }

    public static string? Outcome(object body) => body is DecisionBody d ? d.Outcome.ToString() : null;

    private async Task<ApplyResult> CreateAsync(MessageEnvelope envelope, DateTimeOffset receivedAt, CancellationToken ct)
    {
        if (!keys.Peers.ContainsKey(envelope.From) || envelope.From == node.Value.Country)
            return ApplyResult.Fail(Problems.WrongSender, "The sender cannot refer a case to this node.");
        if (envelope.Seq != 1)
            return ApplyResult.Fail(Problems.OutOfSequence, "A submission is the first message of its referral (seq 1).");
        SubmissionBody? body;
        try { body = envelope.Body.Deserialize<SubmissionBody>(ReferralJson.Options); }
        catch (JsonException) { body = null; }
        if (body is null || body.Reference.Length is 0 or > 32)
            return ApplyResult.Fail(Problems.MessageInvalid, "The submission body is not a referral.");
        var errors = ReferralValidator.Validate(body.Referral, DateOnly.FromDateTime(receivedAt.UtcDateTime),
            new HashSet<string> { node.Value.Country });
        if (errors.Count > 0)
            return ApplyResult.Fail(Problems.MessageInvalid, "Invalid fields: " + string.Join(", ", errors.Keys));
        if (body.Referral.LegalBasis.ToString() != envelope.LegalBasis)
            return ApplyResult.Fail(Problems.MessageInvalid, "The envelope and the referral name different legal bases.");

        var referral = await referrals.AddAsync(body.Referral, new NewReferral(envelope.ReferralId, Directions.Incoming,
            RequestingState: envelope.From, RequestedState: envelope.To, PeerIdentity.ClientIdOf(envelope.From), receivedAt)
        {
            CounterpartReference = body.Reference,
        }, ct);
        lifecycle.Record(referral, new CaseEvent(CaseSteps.Submission, envelope.From, ReferralStatus.Submitted, envelope.SentAt,
            FeedEventTypes.Received) { MessageId = envelope.Id });
        lifecycle.Record(referral, new CaseEvent(CaseSteps.Receipt, envelope.To, ReferralStatus.UnderExamination, receivedAt,
            FeedEventTypes.StatusChanged) { MessageId = envelope.Id, LegalAt = receivedAt });
        clocks.StartSubmission(referral, receivedAt);
        return new ApplyResult(referral, false, null, null, receivedAt);
    }

    public async Task ReceiptStoredAsync(Referral referral, ExchangeMessage message, DateTimeOffset receivedAt, CancellationToken ct)
    {
        if (message.Type == MessageTypes.Submitted)
        {
            if (referral.Status != ReferralStatus.Submitted)
                return;
            lifecycle.Record(referral, new CaseEvent(CaseSteps.Receipt, message.ToCountry, ReferralStatus.UnderExamination, receivedAt,
                FeedEventTypes.Delivered) { MessageId = message.Id, LegalAt = receivedAt });
            clocks.StartSubmission(referral, receivedAt);
            return;
        }
        if (documents.Handles(message.Type))
        {
            await documents.ReceiptStoredAsync(referral, message, receivedAt, ct);
            lifecycle.Publish(referral, FeedEventTypes.Delivered, message.Id, null, null);
            return;
        }
        // The receipt decides the step: its time is the step's legal time (docs/agreement.md).
        lifecycle.Publish(referral, FeedEventTypes.Delivered, message.Id, null, null);
        await lifecycle.ReceiptArrivedAsync(referral, message.Id, receivedAt, ct);
    }

    // First failure and dead letter only: a long outage must not flood the ministries' feed.
    public void DeliveryFailed(Referral referral, ExchangeMessage message, bool deadLetter) =>
        lifecycle.Publish(referral, FeedEventTypes.DeliveryFailed, message.Id, null, deadLetter ? "dead_letter" : "retrying");
}
