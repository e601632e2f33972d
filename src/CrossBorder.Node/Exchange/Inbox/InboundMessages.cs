using System.Text.Json;
using System.Text;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// The receiver's side of docs/design.md step 4: verify everything first, then in ONE transaction store the
/// message verbatim, apply it to this node's copy of the referral and sign the receipt.
/// </summary>
public sealed class InboundMessages(NodeDbContext db, NodeKeys keys, IOptions<NodeOptions> node,
    IOptions<ExchangeOptions> options, TimeProvider time, ICaseMessages cases, ILogger<InboundMessages> log,
    AuditLog audit)
{
    public async Task<InboundResult> AcceptAsync(string peerCountry, string jws, CancellationToken ct)
    {
        if (!keys.Peers.TryGetValue(peerCountry, out var peerKeys))
            return InboundResult.Fail(Problems.WrongSender, "The authenticated client is not a configured peer.");

        var verification = Jws.Verify(jws, JwsTypes.Message, peerKeys);
        if (!verification.IsValid)
        {
            log.LogWarning("Security event: message from {Peer} rejected ({Failure})", peerCountry, verification.Failure);
            return InboundResult.Fail(verification.Failure switch
            {
                JwsFailure.UnknownKey => Problems.JwsUnknownKey,
                JwsFailure.BadSignature => Problems.JwsBadSignature,
                _ => Problems.JwsMalformed,
            }, verification.Error);
        }

        MessageEnvelope envelope;
        try { envelope = ExchangeJson.Deserialize<MessageEnvelope>(verification.Payload); }
        catch (JsonException) { return InboundResult.Fail(Problems.MessageInvalid, "The payload is not a message envelope."); }

        if (envelope.From != peerCountry)
            return SecurityEvent(Problems.WrongSender, peerCountry, envelope, "The message names another sender than the authenticated peer.");
        if (envelope.To != node.Value.Country)
            return SecurityEvent(Problems.WrongAddressee, peerCountry, envelope, $"This node is {node.Value.Country}.");
        var digest = Jws.Digest(jws);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        using var newRows = db.CollectNewRows(); // the unit's new rows go in the batch untracked (the steps read through StepsOf)
        // Lock order (LockIds): the referral's key (it may not exist as a row yet), the message id's key, then the
        // referral row (taken by IncomingReferrals). Deliveries of one referral are serialized across replicas, so
        // the replay lookup (a second statement in the same round trip, whose snapshot follows the locks) and the
        // sequence check below are race-free.
        var existing = await StoredAsync(envelope, ct);
        if (existing is { } stored)
        {
            if (stored.Direction == Directions.Incoming && stored.Digest == digest && stored.Receipted)
                return InboundResult.Duplicate(DuplicateReceipt(envelope.Id, digest, stored.ReceivedAt));
            return SecurityEvent(Problems.MessageReplayed, peerCountry, envelope, "Same message id, different content.");
        }
        // The window is checked after the replay lookup: a message already received gets its stored receipt
        // again however late the sender retries (its receipt may have been lost before a long outage).
        var now = time.GetUtcNow();
        if (envelope.SentAt > now + options.Value.ClockSkew || envelope.SentAt < now - options.Value.MaxMessageAge)
            return SecurityEvent(Problems.StaleMessage, peerCountry, envelope, "sentAt is in the future or too old.");

        var apply = await cases.ApplyAsync(envelope, now, ct);
        if (apply.Problem == Problems.OwnStepInFlight)
            return InboundResult.Fail(apply.Problem, apply.Detail);
        if (apply.Problem is not null)
            return SecurityEvent(apply.Problem, peerCountry, envelope, apply.Detail ?? apply.Problem.Title);
        var referral = apply.Referral!;
        var receivedAt = apply.ReceivedAt;

        var receipt = new Receipt(envelope.Id, digest, receivedAt, node.Value.Country, ReceiptOutcomes.Accepted, LogIndex: null);
        var receiptJws = Jws.Sign(ExchangeJson.Serialize(receipt), keys.Signing, JwsTypes.Receipt);

        db.AddRow(new ExchangeMessage
        {
            Id = envelope.Id,
            ReferralId = envelope.ReferralId,
            Direction = Directions.Incoming,
            Seq = envelope.Seq,
            Type = envelope.Type,
            FromCountry = envelope.From,
            ToCountry = envelope.To,
            SentAt = envelope.SentAt,
            Jws = keys.Cipher.Encrypt(referral.WrappedDataKey, referral.Id, MessageColumns.Jws(envelope.Id), Encoding.ASCII.GetBytes(jws)),
            Digest = digest,
            ReceiptJws = receiptJws,
            ReceivedAt = receivedAt,
            State = apply.Conflict ? MessageStates.Conflict : MessageStates.Received,
        });
        audit.MessageReceived(envelope, digest, receiptJws);
        referral.LastIncomingSeq = envelope.Seq;
        referral.Changed(now);
        await db.SaveAsBatchAsync(ct);
        await tx.CommitAsync(ct);
        log.LogInformation("Message {MessageId} ({Type}) from {Peer} accepted", envelope.Id, envelope.Type, peerCountry);
        return InboundResult.Accepted(receiptJws);
    }

    /// <summary>Takes the referral's and the message's locks, then reads what this node already stored under the message's id.</summary>
    private async Task<StoredMessage?> StoredAsync(MessageEnvelope envelope, CancellationToken ct)
    {
        await using var batch = db.BatchInTransaction(
            new NpgsqlBatchCommand("""
                SELECT pg_advisory_xact_lock(hashtextextended($1, $2)), pg_advisory_xact_lock(hashtextextended($3, $4))
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<string> { TypedValue = envelope.ReferralId.ToString() },
                    new NpgsqlParameter<long> { TypedValue = LockIds.ReferralSeed },
                    new NpgsqlParameter<string> { TypedValue = envelope.Id.ToString() },
                    new NpgsqlParameter<long> { TypedValue = LockIds.MessageSeed },
                },
            },
            new NpgsqlBatchCommand("SELECT direction, digest, receipt_jws IS NOT NULL, received_at FROM messages WHERE id = $1")
            {
                Parameters = { new NpgsqlParameter<Guid> { TypedValue = envelope.Id } },
            });
        await using var rows = await batch.ExecuteReaderAsync(ct);
        await rows.NextResultAsync(ct);
        if (!await rows.ReadAsync(ct))
            return null;
        return new StoredMessage(rows.GetString(0), rows.GetString(1), rows.GetBoolean(2),
            await rows.IsDBNullAsync(3, ct) ? null : rows.GetFieldValue<DateTimeOffset>(3));
    }

    private sealed record StoredMessage(string Direction, string Digest, bool Receipted, DateTimeOffset? ReceivedAt);

    /// <summary>
    /// docs/design.md, receipt <c>outcome</c>: a redelivery gets a fresh receipt saying <c>duplicate</c>, signed now, with the
    /// first receipt's <c>receivedAt</c>: the legal time stays the first receipt's, and nothing is applied twice.
    /// </summary>
    private string DuplicateReceipt(Guid messageId, string digest, DateTimeOffset? firstReceivedAt) =>
        Jws.Sign(ExchangeJson.Serialize(new Receipt(messageId, digest, firstReceivedAt ?? time.GetUtcNow().TruncateToMilliseconds(),
            node.Value.Country, ReceiptOutcomes.Duplicate, LogIndex: null)), keys.Signing, JwsTypes.Receipt);

    private InboundResult SecurityEvent(ProblemKind problem, string peer, MessageEnvelope envelope, string detail)
    {
        log.LogWarning("Security event: message {MessageId} from {Peer} rejected ({Code})", envelope.Id, peer, problem.Code);
        return InboundResult.Fail(problem, detail);
    }
}

public sealed record InboundResult(bool IsDuplicate, string? ReceiptJws, ProblemKind? Problem, string? Detail)
{
    public static InboundResult Accepted(string receipt) => new(false, receipt, null, null);
    public static InboundResult Duplicate(string receipt) => new(true, receipt, null, null);
    public static InboundResult Fail(ProblemKind problem, string? detail) => new(false, null, problem, detail);
}
