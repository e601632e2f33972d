using CrossBorder.Core.Crypto;
using System.Text;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Keys;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// The sender's records of a claimed message. Every update is fenced by the claim's token: a replica whose
/// lease lapsed, and whose row another replica has claimed since, changes nothing. Lock order as everywhere
/// (<see cref="LockIds"/>): the referral row, then the message row.
/// </summary>
public sealed class SentMessages(NodeDbContext db, NodeKeys keys, ICaseMessages cases, AuditLog audit, TimeProvider time)
{
    /// <summary>The claimed message (its JWS still sealed), or null when the claim is no longer this one's.</summary>
    public async Task<ClaimedMessage?> LoadClaimedAsync(Claim claim, CancellationToken ct) =>
        await db.Messages.AsNoTracking()
            .Where(m => m.Id == claim.MessageId && m.LeaseToken == claim.Token && m.State == MessageStates.Queued)
            .Select(m => new ClaimedMessage(m, db.Referrals.Where(r => r.Id == m.ReferralId).Select(r => new WrappedKey(r.KekId, r.DataKey)).Single()))
            .SingleOrDefaultAsync(ct);

    /// <summary>The exact JWS bytes signed at queue time; throws when the stored ciphertext does not open.</summary>
    public Outbound Open(ClaimedMessage claimed)
    {
        var m = claimed.Message;
        return new Outbound(m, Encoding.ASCII.GetString(keys.Cipher.Decrypt(claimed.DataKey, m.ReferralId, MessageColumns.Jws(m.Id), m.Jws)));
    }

    /// <summary>Checks the peer's signed receipt and stores it; returns why it cannot be accepted, or null.</summary>
    public async Task<string?> RecordReceiptAsync(Outbound outbound, Claim claim, string receiptJws, CancellationToken ct)
    {
        var message = outbound.Message;
        if (!keys.Peers.TryGetValue(message.ToCountry, out var peerKeys))
            return "no pinned keys for the addressee";
        receiptJws = receiptJws.Trim();
        var verification = Jws.Verify(receiptJws, JwsTypes.Receipt, peerKeys);
        if (!verification.IsValid)
            return $"receipt rejected: {verification.Error}";
        Receipt receipt;
        try { receipt = ExchangeJson.Deserialize<Receipt>(verification.Payload); }
        catch (System.Text.Json.JsonException) { return "receipt payload is not valid"; }
        if (receipt.MessageId != message.Id || receipt.Digest != message.Digest || receipt.Receiver != message.ToCountry)
            return "receipt does not match the message sent";

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        using var newRows = db.CollectNewRows(); // the unit's new rows go in the batch untracked (the steps read through StepsOf)
        var referral = await db.LockReferralAsync(message.ReferralId, ct)
            ?? throw new InvalidOperationException("A message's referral row is never deleted (erasure keeps it).");
        if (!await MarkDeliveredAsync(claim, receiptJws, receipt.ReceivedAt, ct))
            return null; // another claim recorded it (the peer receipted the same bytes): nothing to do
        // Both take the receipt and its time as given; the sender's copy of the message stays as claimed.
        audit.MessageDelivered(message, receiptJws, receipt.ReceivedAt);

        await cases.ReceiptStoredAsync(referral, message, receipt.ReceivedAt, ct);
        referral.Changed(time.GetUtcNow());
        await db.SaveAsBatchAsync(ct);
        await tx.CommitAsync(ct);
        return null;
    }

    /// <summary>
    /// Stores the receipt on the claimed row, fenced by the claim's token, after the referral row's lock (lock order):
    /// false when the claim is no longer this one's. One statement; the row itself is never loaded.
    /// </summary>
    private async Task<bool> MarkDeliveredAsync(Claim claim, string receiptJws, DateTimeOffset receivedAt, CancellationToken ct)
    {
        await using var update = db.BatchInTransaction(new NpgsqlBatchCommand("""
            UPDATE messages SET state = 'delivered', receipt_jws = $3, received_at = $4,
                                lease_until = NULL, lease_token = NULL, next_attempt_at = NULL, last_error = NULL
            WHERE id = $1 AND lease_token = $2 AND state = 'queued'
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = claim.MessageId },
                new NpgsqlParameter<Guid> { TypedValue = claim.Token },
                new NpgsqlParameter<string> { TypedValue = receiptJws },
                new NpgsqlParameter<DateTimeOffset> { TypedValue = receivedAt },
            },
        });
        return await update.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Schedules a retry <paramref name="retryIn"/> from now by the database clock, or dead-letters the message
    /// (<paramref name="retryIn"/> null). The first failure and a dead letter are published on the feed.
    /// </summary>
    public async Task RecordFailureAsync(Claim claim, bool deadLetter, string error, TimeSpan? retryIn, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var message = await ClaimedRowAsync(claim, ct);
        if (message is null)
            return;
        var dbNow = await db.Database.SqlQuery<DateTimeOffset>($"SELECT clock_timestamp() AS \"Value\"").SingleAsync(ct);
        if (deadLetter || claim.Attempt == 1)
        {
            // First failure and dead letter only: a long outage must not flood the ministries' feed.
            var referral = await db.Referrals.AsNoTracking().SingleAsync(r => r.Id == message.ReferralId, ct);
            cases.DeliveryFailed(referral, message, deadLetter);
        }
        message.LastError = error is { Length: > 500 } ? error[..500] : error;
        message.LeaseUntil = null;
        message.LeaseToken = null;
        message.State = deadLetter ? MessageStates.DeadLetter : MessageStates.Queued;
        message.NextAttemptAt = deadLetter ? null : dbNow + (retryIn ?? TimeSpan.Zero);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Makes every waiting message to <paramref name="peer"/> due now (the peer answered again).</summary>
    public Task<int> WakeBacklogAsync(string peer, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE messages SET next_attempt_at = clock_timestamp()
            WHERE direction = 'outgoing' AND state = 'queued' AND to_country = {peer}
              AND next_attempt_at > clock_timestamp() AND lease_token IS NULL
            """, ct);

    private Task<ExchangeMessage?> ClaimedRowAsync(Claim claim, CancellationToken ct) =>
        db.Messages.FromSql($"""
            SELECT * FROM messages WHERE id = {claim.MessageId} AND lease_token = {claim.Token} AND state = 'queued' FOR UPDATE
            """).SingleOrDefaultAsync(ct);
}

public sealed record Outbound(ExchangeMessage Message, string Jws);

public sealed record ClaimedMessage(ExchangeMessage Message, WrappedKey DataKey);
