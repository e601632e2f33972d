using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Hosting;

/// <summary>
/// Idempotency-Key handling after draft-ietf-httpapi-idempotency-key-header, inside the caller's
/// transaction: a transaction-scoped advisory lock on (client, key) makes a concurrent duplicate see
/// "in flight" instead of blocking, and the outcome row commits atomically with the work it guards.
/// </summary>
public sealed class Idempotency(NodeDbContext db, TimeProvider time)
{
    public const string Header = "Idempotency-Key";

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

    public async Task<IdempotencyCheck> BeginAsync(string clientId, string key, string requestHash, CancellationToken ct)
    {
        var lockId = BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientId}\n{key}")));
        var acquired = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({lockId}) AS \"Value\"").SingleAsync(ct);
        if (!acquired)
            return new IdempotencyCheck(IdempotencyState.InFlight, null);
        var existing = await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.ClientId == clientId && r.Key == key, ct);
        if (existing is null)
            return new IdempotencyCheck(IdempotencyState.New, null);
        return new IdempotencyCheck(existing.RequestHash == requestHash ? IdempotencyState.Replay : IdempotencyState.Mismatch, existing);
    }

    public void Complete(string clientId, string key, string requestHash, int status, Guid? resourceId) =>
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            ClientId = clientId,
            Key = key,
            RequestHash = requestHash,
            StatusCode = status,
            ResourceId = resourceId,
            CreatedAt = time.GetUtcNow(),
        });
}

public enum IdempotencyState { New, Replay, Mismatch, InFlight }

public sealed record IdempotencyCheck(IdempotencyState State, IdempotencyRecord? Record);
