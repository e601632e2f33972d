using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Data;
using CrossBorder.Node.Hosting;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Features.Audit;

/// <summary>
/// Writes audit entries. <see cref="Record"/> adds a pending entry to the caller's DbContext, so it commits
/// (or not) with the business change it records; the sequencer gives it its index later.
/// <see cref="RecordNowAsync"/> commits at once on its own connection: for events whose own transaction
/// is rolled back (a refused message) or that have none (a read, a 403).
/// Entries hold ids, digests and codes only, never personal data.
/// </summary>
public sealed class AuditLog(NodeDbContext db, NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string PurposeHeader = "X-Purpose";
    public const int MaxPurposeLength = 100;

    public void Record(string kind, string? client = null, Guid? referralId = null, Guid? messageId = null,
        string? messageType = null, string? peer = null, string? digest = null, string? receiptDigest = null,
        string? code = null, string? purpose = null, string? detail = null) =>
        db.AuditPending.Add(Entry(kind, client, referralId, messageId, messageType, peer, digest, receiptDigest, code, purpose, detail));

    /// <summary>A signed message queued for the peer (one per step taken or message sent).</summary>
    public void MessageSent(ExchangeMessage m) =>
        Record(AuditKinds.MessageSent, referralId: m.ReferralId, messageId: m.Id, messageType: m.Type, peer: m.ToCountry, digest: m.Digest);

    /// <summary>A message received from the peer and the receipt this node signed for it.</summary>
    public void MessageReceived(CrossBorder.Core.Exchange.MessageEnvelope m, string digest, string receiptJws) =>
        Record(AuditKinds.MessageReceived, referralId: m.ReferralId, messageId: m.Id, messageType: m.Type, peer: m.From,
            digest: digest, receiptDigest: Jws.Digest(receiptJws));

    /// <summary>The peer's signed receipt for a message this node sent.</summary>
    public void MessageDelivered(ExchangeMessage m, string receiptJws, DateTimeOffset receivedAt) =>
        Record(AuditKinds.MessageDelivered, referralId: m.ReferralId, messageId: m.Id, messageType: m.Type, peer: m.ToCountry,
            digest: m.Digest, receiptDigest: Jws.Digest(receiptJws), detail: $"receivedAt={AuditEntry.FormatTime(receivedAt)}");

    public void StepTaken(string client, Guid referralId, string step, Guid? messageId = null) =>
        Record(AuditKinds.StepTaken, client, referralId, messageId, detail: step);

    /// <summary>A ministry client read a referral's personal data.</summary>
    public Task PersonalDataReadAsync(string client, Guid referralId, string? purpose, string what, CancellationToken ct) =>
        RecordNowAsync(Entry(AuditKinds.PersonalDataRead, client, referralId, null, null, null, null, null, null, purpose, what), ct);

    public Task SecurityEventAsync(string kind, string? client, string? code, string? detail, string? peer = null,
        string? digest = null, Guid? referralId = null, Guid? messageId = null, CancellationToken ct = default) =>
        RecordNowAsync(Entry(kind, client, referralId, messageId, null, peer, digest, null, code, null, detail), ct);

    /// <summary>
    /// Records a read of a referral's personal data by the calling client, with the purpose from <c>X-Purpose</c>,
    /// committed before the data is answered. Returns a 400 problem (and records nothing) when the header is not valid.
    /// </summary>
    public async Task<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult?> RecordReadAsync(HttpContext http, Guid referralId,
        string what, CancellationToken ct)
    {
        var purpose = ReadPurpose(http.Request, out var valid);
        if (!valid)
            return Problems.PurposeInvalid.Result(http,
                $"{PurposeHeader}: 1-{MaxPurposeLength} characters, letters, digits, space and ._:/- only, starting with a letter or digit.");
        await PersonalDataReadAsync(Auth.ClaimsExtensions.ClientId(http.User), referralId, purpose, what, ct);
        return null;
    }

    /// <summary>Records a token the token server is about to issue (its own connection: issuing has no transaction).</summary>
    public Task TokenIssuedAsync(string client, IEnumerable<string> scopes, CancellationToken ct) =>
        RecordNowAsync(Entry(AuditKinds.TokenIssued, client, null, null, null, null, null, null, null, null,
            "scopes=" + string.Join(' ', scopes.Order(StringComparer.Ordinal))), ct);

    /// <summary>
    /// Records a refused inbound message (nothing was applied: its transaction is rolled back) and answers the problem.
    /// The entry names the message and referral ids the payload claims, when it can be read at all: unverified (the
    /// refusal may be for the signature), but what an auditor needs to match the sender's dead letter.
    /// </summary>
    public async Task<IResult> MessageRejectedAsync(HttpContext http, string client, Hosting.ProblemKind problem, string? detail,
        string? jws, CancellationToken ct)
    {
        var (messageId, referralId) = jws is null ? default : ClaimedIds(jws);
        await SecurityEventAsync(AuditKinds.SecurityMessageRejected, client,
            problem.Code, null, Auth.PeerIdentity.CountryOf(client),
            jws is null ? null : Jws.Digest(jws), referralId, messageId, ct: ct);
        return Hosting.Problems.Result(problem, http, detail);
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

    /// <summary>Records an Idempotency-Key reused with a different request (the request's own transaction is rolled back).</summary>
    public Task IdempotencyMisuseAsync(HttpContext http, CancellationToken ct) =>
        SecurityEventAsync(AuditKinds.SecurityIdempotencyMisuse,
            Auth.ClaimsExtensions.ClientId(http.User), Hosting.Problems.IdempotencyKeyReused.Code,
            $"{http.Request.Method} {(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText}", ct: ct);

    /// <summary>
    /// The purpose a reader gives in <c>X-Purpose</c>: null when absent; <paramref name="valid"/> false when it is
    /// longer than 100 characters or not plain text (letters, digits, space and <c>._:/-</c>, not starting with a sign).
    /// </summary>
    public static string? ReadPurpose(HttpRequest request, out bool valid)
    {
        valid = true;
        if (!request.Headers.TryGetValue(PurposeHeader, out var values))
            return null;
        var purpose = values.ToString();
        valid = values.Count == 1 && purpose.Length is > 0 and <= MaxPurposeLength && char.IsAsciiLetterOrDigit(purpose[0])
            && purpose.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '_' or ':' or '/' or '-');
        return valid ? purpose : null;
    }

    private AuditPendingEntry Entry(string kind, string? client, Guid? referralId, Guid? messageId, string? messageType,
        string? peer, string? digest, string? receiptDigest, string? code, string? purpose, string? detail)
    {
        var now = time.GetUtcNow();
        return new AuditPendingEntry
        {
            Id = Guid.CreateVersion7(now),
            RecordedAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
            Kind = kind,
            ClientId = client is { Length: > 100 } ? client[..100] : client,
            ReferralId = referralId,
            MessageId = messageId,
            MessageType = messageType,
            Peer = peer,
            Digest = digest,
            ReceiptDigest = receiptDigest,
            Code = code,
            Purpose = purpose,
            Detail = Bounded(detail),
        };
    }

    private async Task RecordNowAsync(AuditPendingEntry e, CancellationToken ct)
    {
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
