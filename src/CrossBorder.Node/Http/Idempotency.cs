using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Http;

/// <summary>
/// Idempotency-Key handling after draft-ietf-httpapi-idempotency-key-header, inside the caller's
/// transaction: a transaction-scoped advisory lock on (client, key) makes a concurrent duplicate see
/// "in flight" instead of blocking, and the outcome row commits atomically with the work it guards.
/// </summary>
public sealed class Idempotency(NodeDbContext db, TimeProvider time, ISecurityEvents security)
{
    public const string Header = "Idempotency-Key";

    /// <summary>The key the route's <see cref="WriteRules.RequireIdempotencyKey"/> filter read.</summary>
    public static IdempotentRequest RequestOf(HttpContext http) => http.Features.Get<IdempotentRequest>()
        ?? throw new InvalidOperationException("The route does not declare RequireIdempotencyKey().");

    /// <summary>
    /// In the caller's transaction: null when this key is new (go on, then <see cref="Complete"/>), otherwise the answer:
    /// 409 while the first request with this key runs, 422 (and a security event) for the key reused with another
    /// body, or the first answer again (<paramref name="replay"/>, given the resource the first request wrote).
    /// </summary>
    public async Task<IResult?> BeginAsync(HttpContext http, IdempotentRequest request, byte[] body,
        Func<Guid, Task<IResult>> replay, CancellationToken ct)
    {
        request.Hash = Hash(http.Request.Method, http.Request.Path, body);
        var check = await ProbeAsync(request.ClientId, request.Key, request.Hash, ct);
        switch (check.State)
        {
            case IdempotencyState.InFlight:
                return Problems.IdempotencyKeyInFlight.Result(http);
            case IdempotencyState.Mismatch:
                await security.IdempotencyMisuseAsync(http, ct);
                return Problems.IdempotencyKeyReused.Result(http);
            case IdempotencyState.Replay:
                return await replay(check.Record!.ResourceId!.Value);
            default:
                return null;
        }
    }

    /// <summary>Records the outcome with the work it guards (same transaction).</summary>

    /// <summary>Reads the header; accepts a bare token or an RFC 8941 quoted string.</summary>
    public static string? ReadKey(HttpRequest request)
    {
        var raw = request.Headers[Header].ToString().Trim();
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"') raw = raw[1..^1];
        return raw.Length is >= 1 and <= 255 && raw.All(c => c is >= '!' and <= '~') ? raw : null;
    }

    public static string Hash(string method, string path, ReadOnlySpan<byte> body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{method} {path}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// Tries the key's lock and looks the key up in one round trip. The lookup's snapshot may predate the lock: if
    /// a concurrent first request commits in between, this one's insert of the key fails on the primary key and
    /// <see cref="IdempotencyConflictHandler"/> answers "in flight" (409); its retry then gets the replay.
    /// </summary>
    private async Task<IdempotencyCheck> ProbeAsync(string clientId, string key, string requestHash, CancellationToken ct)
    {
        var lockId = BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientId}\n{key}")));
        var probe = await db.Database.SqlQuery<IdempotencyProbe>($"""
            SELECT l.locked AS "Locked", r.request_hash AS "RequestHash", r.status_code AS "StatusCode", r.resource_id AS "ResourceId"
            FROM (SELECT pg_try_advisory_xact_lock({lockId}) AS locked) l
            LEFT JOIN idempotency_keys r ON r.client_id = {clientId} AND r.key = {key}
            """).SingleAsync(ct);
        if (!probe.Locked)
            return new IdempotencyCheck(IdempotencyState.InFlight, null);
        if (probe.RequestHash is null)
            return new IdempotencyCheck(IdempotencyState.New, null);
        var existing = new IdempotencyRecord
        {
            ClientId = clientId,
            Key = key,
            RequestHash = probe.RequestHash,
            StatusCode = probe.StatusCode ?? 0,
            ResourceId = probe.ResourceId,
        };
        return new IdempotencyCheck(probe.RequestHash == requestHash ? IdempotencyState.Replay : IdempotencyState.Mismatch, existing);
    }

    /// <summary>Records the outcome with the work it guards (same transaction).</summary>
    public void Complete(IdempotentRequest request, int status, Guid resourceId) =>
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            ClientId = request.ClientId,
            Key = request.Key,
            RequestHash = request.Hash!,
            StatusCode = status,
            ResourceId = resourceId,
            CreatedAt = time.GetUtcNow(),
        });
}

/// <summary>An idempotent write's client and key, and the hash of its method, path and body once read.</summary>
public sealed class IdempotentRequest(string clientId, string key)
{
    public string ClientId { get; } = clientId;
    public string Key { get; } = key;
    public string? Hash { get; set; }
}

/// <summary>One row of the idempotency probe.</summary>
public sealed record IdempotencyProbe(bool Locked, string? RequestHash, int? StatusCode, Guid? ResourceId);

public enum IdempotencyState { New, Replay, Mismatch, InFlight }

public sealed record IdempotencyCheck(IdempotencyState State, IdempotencyRecord? Record);
