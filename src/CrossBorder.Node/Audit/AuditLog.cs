using CrossBorder.Core.Exchange;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Audit;

/// <summary>
/// Writes audit entries. <see cref="Record"/> adds a pending entry to the caller's DbContext, so it commits
/// (or not) with the business change it records; the sequencer gives it its index later.
/// <see cref="RecordNowAsync"/> commits at once on its own connection: for events whose own transaction
/// is rolled back (a refused message) or that have none (a read, a 403).
/// Entries hold ids, digests and codes only, never personal data.
/// </summary>
public sealed class AuditLog(NodeDbContext db, NpgsqlDataSource dataSource, TimeProvider time) : ISecurityEvents
{
    /// <summary>Adds an entry to the caller's unit of work: it commits, or not, with the change it records.</summary>
    public void Record(AuditFacts facts) => db.AddRow(Entry(facts));

    /// <summary>A signed message queued for the peer (one per step taken or message sent).</summary>
    public void MessageSent(ExchangeMessage m) =>
        Record(new(AuditKinds.MessageSent) { ReferralId = m.ReferralId, MessageId = m.Id, MessageType = m.Type, Peer = m.ToCountry, Digest = m.Digest });

    /// <summary>A message received from the peer and the receipt this node signed for it.</summary>
    public void MessageReceived(MessageEnvelope m, string digest, string receiptJws) =>
        Record(new(AuditKinds.MessageReceived)
        {
            ReferralId = m.ReferralId, MessageId = m.Id, MessageType = m.Type, Peer = m.From, Digest = digest,
            ReceiptDigest = Jws.Digest(receiptJws),
        });

    /// <summary>The peer's signed receipt for a message this node sent.</summary>
    public void MessageDelivered(ExchangeMessage m, string receiptJws, DateTimeOffset receivedAt) =>
        Record(new(AuditKinds.MessageDelivered)
        {
            ReferralId = m.ReferralId, MessageId = m.Id, MessageType = m.Type, Peer = m.ToCountry, Digest = m.Digest,
            ReceiptDigest = Jws.Digest(receiptJws), Detail = $"receivedAt={AuditEntry.FormatTime(receivedAt)}",
        });

    public void StepTaken(string client, Guid referralId, string step, Guid? messageId = null) =>
        Record(new(AuditKinds.StepTaken) { Client = client, ReferralId = referralId, MessageId = messageId, Detail = step });

    /// <summary>
    /// A ministry client uploaded a document, in the upload's transaction: who, to which case, which document by id,
    /// SHA-256 (base64url), size and media type, and the signed message that names it. No file name: none is taken.
    /// </summary>
    public void AttachmentUploaded(string client, Guid referralId, Guid messageId, Guid attachmentId, string sha256, long size, string mediaType) =>
        Record(new(AuditKinds.AttachmentUploaded)
        {
            Client = client, ReferralId = referralId, MessageId = messageId,
            Detail = $"attachment={attachmentId} sha256={sha256} size={size} mediaType={mediaType}",
        });

    /// <summary>A ministry client read a referral's personal data (<paramref name="what"/>), committed before it is answered.</summary>
    public Task PersonalDataReadAsync(string client, Guid referralId, string? purpose, string what, CancellationToken ct) =>
        RecordNowAsync(Entry(new(AuditKinds.PersonalDataRead) { Client = client, ReferralId = referralId, Purpose = purpose, Detail = what }), ct);

    /// <summary>A security event, committed at once on its own connection (its request's transaction, if any, rolls back).</summary>
    public Task SecurityEventAsync(AuditFacts facts, CancellationToken ct) => RecordNowAsync(Entry(facts), ct);

    /// <summary>Records a token the token server is about to issue (its own connection: issuing has no transaction).</summary>
    public Task TokenIssuedAsync(string client, IEnumerable<string> scopes, CancellationToken ct) =>
        RecordNowAsync(Entry(new(AuditKinds.TokenIssued) { Client = client, Detail = "scopes=" + string.Join(' ', scopes.Order(StringComparer.Ordinal)) }), ct);

    /// <summary>
    /// A refused inbound message (nothing was applied: its transaction is rolled back). The entry names the message and
    /// referral ids the payload claims, when it can be read at all: unverified (the refusal may be for the signature),
    /// but what an auditor needs to match the sender's dead letter.
    /// </summary>
    public Task MessageRejectedAsync(string client, string? peer, string code, string? jws, CancellationToken ct)
    {
        var (messageId, referralId) = jws is null ? default : ClaimedIds(jws);
        return SecurityEventAsync(new(AuditKinds.SecurityMessageRejected)
        {
            Client = client, Code = code, Peer = peer, Digest = jws is null ? null : Jws.Digest(jws), ReferralId = referralId, MessageId = messageId,
        }, ct);
    }

    private static (Guid? MessageId, Guid? ReferralId) ClaimedIds(string jws)
    {
        try
        {
            var parts = jws.Split('.');
            if (parts.Length != 3 || parts[1].Length > 4 * 1024 * 1024)
                return default;
            using var payload = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
            Guid? Read(string name) => payload.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && payload.RootElement.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
                && Guid.TryParse(value.GetString(), out var id) ? id : null;
            return (Read("id"), Read("referralId"));
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return default;
        }
    }

    public Task IdempotencyMisuseAsync(HttpContext http, CancellationToken ct) =>
        SecurityEventAsync(new(AuditKinds.SecurityIdempotencyMisuse)
        {
            Client = http.User.ClientId(), Code = Problems.IdempotencyKeyReused.Code,
            Detail = $"{http.Request.Method} {(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText}",
        }, ct);

    private AuditPendingEntry Entry(AuditFacts f)
    {
        var now = time.GetUtcNow();
        return new AuditPendingEntry
        {
            Id = Guid.CreateVersion7(now),
            RecordedAt = now.TruncateToMilliseconds(),
            Kind = f.Kind,
            ClientId = f.Client is { Length: > 100 } ? f.Client[..100] : f.Client,
            ReferralId = f.ReferralId,
            MessageId = f.MessageId,
            MessageType = f.MessageType,
            Peer = f.Peer,
            Digest = f.Digest,
            ReceiptDigest = f.ReceiptDigest,
            Code = f.Code,
            Purpose = f.Purpose,
            Detail = Bounded(f.Detail),
        };
    }

    private async Task RecordNowAsync(AuditPendingEntry e, CancellationToken ct)
    {
        // Its own pooled connection: never while the unit's transaction holds another (a hold-and-wait on a small pool).
        // End it first (NodeDbContext.RollBackBeforeOwnConnectionAsync); this fails every test of a path that does not.
        if (db.Database.CurrentTransaction is not null)
            throw new InvalidOperationException("An audit entry recorded at once while the unit's transaction is open: roll it back first.");
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO audit_pending (id, recorded_at, kind, client_id, referral_id, message_id, message_type, peer, digest,
                                       receipt_digest, code, purpose, detail)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """);
        object V(object? v) => v ?? DBNull.Value;
        cmd.Parameters.Add(new NpgsqlParameter { Value = e.Id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = e.RecordedAt });
        cmd.Parameters.Add(new NpgsqlParameter { Value = e.Kind });
        cmd.Parameters.Add(new NpgsqlParameter { Value = V(e.ClientId), NpgsqlDbType = NpgsqlDbType.Varchar });
        cmd.Parameters.Add(new NpgsqlParameter { Value = V(e.ReferralId), NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = V(e.MessageId), NpgsqlDbType = NpgsqlDbType.Uuid });
        foreach (var s in new[] { e.MessageType, e.Peer, e.Digest, e.ReceiptDigest, e.Code, e.Purpose, e.Detail })
            cmd.Parameters.Add(new NpgsqlParameter { Value = V(s), NpgsqlDbType = NpgsqlDbType.Varchar });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string? Bounded(string? s) => s is { Length: > 200 } ? s[..200] : s;
}
