using System.Text;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Referrals;
using CrossBorder.Node.Hosting;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Features.Exchange;

/// <summary>The sender's side of one delivery: what to send, and what the answer changes.</summary>
public sealed class ReceiptRecorder(NodeDbContext db, NodeKeys keys, CaseLifecycle lifecycle, Audit.AuditLog audit)
{
    public async Task<Outbound?> LoadForSendingAsync(Guid messageId, CancellationToken ct)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, ct);
        if (message is not { State: MessageStates.Queued })
            return null;
        var dataKey = await db.Referrals.Where(r => r.Id == message.ReferralId).Select(r => r.DataKey).SingleAsync(ct);
        var jws = Encoding.ASCII.GetString(keys.Cipher.Decrypt(dataKey, message.ReferralId, MessageColumns.Jws(message.Id), message.Jws));
        return new Outbound(message, jws);
    }

    /// <summary>Checks the peer's signed receipt and stores it; returns an error when the receipt cannot be accepted.</summary>
    public async Task<string?> RecordReceiptAsync(Outbound outbound, string receiptJws, CancellationToken ct)
    {
        var message = outbound.Message;
        if (!keys.Peers.TryGetValue(message.ToCountry, out var peerKeys))
            return "no pinned keys for the addressee";
        var verification = Jws.Verify(receiptJws.Trim(), JwsTypes.Receipt, peerKeys);
        if (!verification.IsValid)
            return $"receipt rejected: {verification.Error}";
        Receipt receipt;
        try { receipt = ExchangeJson.Deserialize<Receipt>(verification.Payload); }
        catch (System.Text.Json.JsonException) { return "receipt payload is not valid"; }
        if (receipt.MessageId != message.Id || receipt.Digest != message.Digest || receipt.Receiver != message.ToCountry)
            return "receipt does not match the message sent";

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id, ct);
        if (stored.State != MessageStates.Queued)
            return null; // another replica recorded it first; its receipt stands
        stored.State = MessageStates.Delivered;
        stored.ReceiptJws = receiptJws.Trim();
        stored.ReceivedAt = receipt.ReceivedAt;
        stored.LeaseUntil = null;
        stored.NextAttemptAt = null;
        stored.LastError = null;
        audit.MessageDelivered(stored, stored.ReceiptJws, receipt.ReceivedAt);

        var referral = await db.Referrals.SingleAsync(r => r.Id == message.ReferralId, ct);
        if (stored.Type == MessageTypes.Submitted && referral.Status == ReferralStatus.Submitted)
            lifecycle.Transition(referral, CaseSteps.Receipt, null, stored.ToCountry, ReferralStatus.UnderExamination,
                receipt.ReceivedAt, stored.Id, false, FeedEventTypes.Delivered);
        else
            lifecycle.Publish(referral, FeedEventTypes.Delivered, stored.Id, null, null);
        await lifecycle.StartClocksAsync(referral, stored.Type, stored.Id, receipt.ReceivedAt, ct);
        referral.Version++;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return null;
    }

    public async Task RecordFailureAsync(Guid messageId, bool deadLetter, string? error, DateTimeOffset nextAttempt, CancellationToken ct)
    {
        var message = await db.Messages.SingleAsync(m => m.Id == messageId, ct);
        if (message.State != MessageStates.Queued)
            return;
        if (deadLetter || message.Attempts == 1)
        {
            // First failure and dead-letter only: a long outage must not flood the ministries' feed.
            var referral = await db.Referrals.SingleAsync(r => r.Id == message.ReferralId, ct);
            lifecycle.Publish(referral, FeedEventTypes.DeliveryFailed, message.Id, null, deadLetter ? "dead_letter" : "retrying");
        }
        message.LastError = error is { Length: > 500 } ? error[..500] : error;
        message.LeaseUntil = null;
        if (deadLetter)
        {
            message.State = MessageStates.DeadLetter;
            message.NextAttemptAt = null;
        }
        else
        {
            message.NextAttemptAt = nextAttempt;
        }
        await db.SaveChangesAsync(ct);
    }
}

public sealed record Outbound(ExchangeMessage Message, string Jws);
