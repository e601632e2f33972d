using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Http;

/// <summary>
/// Idempotency-Key handling after draft-ietf-httpapi-idempotency-key-header; the outcome row always commits atomically
/// with the work it guards. A write that reads before it writes (a step) probes first, inside its transaction
/// (<see cref="BeginAsync"/>): a transaction-scoped advisory lock on (client, key) makes a concurrent duplicate see
/// "in flight" instead of blocking. A create, which reads nothing, writes its row in its one batch and answers from the
/// key's primary key only when it is taken (<see cref="Prepare"/>, <see cref="TakenAsync"/>).
/// </summary>
public sealed class Idempotency(NodeDbContext db, TimeProvider time, ISecurityEvents security)
{
    public const string Header = "Idempotency-Key";

    /// <summary>The key the route's <see cref="WriteRules.RequireIdempotencyKey"/> filter read.</summary>
    public static IdempotentRequest RequestOf(HttpContext http) => http.Features.Get<IdempotentRequest>()
        ?? throw new InvalidOperationException("The route does not declare RequireIdempotencyKey().");

    /// <summary>
    /// In the caller's transaction: null when this key is new (go on, then <see cref="Complete"/>), otherwise the answer:
    /// 409 while the first request with this key runs, 422 (and a security event, recorded once the caller's transaction
    /// is rolled back) for the key reused with another body, or the first answer again (<paramref name="replay"/>, given
    /// the resource the first request wrote).
    /// </summary>
    public async Task<IResult?> BeginAsync(HttpContext http, IdempotentRequest request, byte[] body,
        Func<Guid, Task<IResult>> replay, CancellationToken ct)
        => await AnswerAsync(http, await ProbeAsync(request.ClientId, request.Key, Prepare(http, request, body), ct), replay, ct);

    /// <summary>What a check says to answer (null for a new key): 409, 422 and a security event, or the first answer again.</summary>
    private async Task<IResult?> AnswerAsync(HttpContext http, IdempotencyCheck check, Func<Guid, Task<IResult>> replay, CancellationToken ct)
    {
        switch (check.State)
        {
            case IdempotencyState.InFlight:
                return Problems.IdempotencyKeyInFlight.Result(http);
            case IdempotencyState.Mismatch:
                await db.RollBackBeforeOwnConnectionAsync(ct); // nothing of this request is written
                await security.IdempotencyMisuseAsync(http, ct);
                return Problems.IdempotencyKeyReused.Result(http);
            case IdempotencyState.Replay:
                return await replay(check.Record!.ResourceId!.Value);
            default:
                return null;
        }
    }

    /// <summary>
    /// For a unit that writes its idempotency row in the same single batch as its work, with no lock and no lookup
    /// before it (a create: <see cref="RowBatch.SaveAsOwnTransactionAsync"/>): the request's hash. A key already used
    /// fails that batch at the key's primary key (<see cref="IsTaken"/>; a first request still running makes the insert
    /// wait for its commit), and <see cref="TakenAsync"/> answers. Returns the hash it recorded.
    /// </summary>
    public static string Prepare(HttpContext http, IdempotentRequest request, ReadOnlySpan<byte> body) =>
        request.Hash = Hash(http.Request.Method, http.Request.Path, body);

    /// <summary>Whether a save failed because another request holds the key (the batch rolled back whole).</summary>
    public static bool IsTaken(DbUpdateException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } p
        && p.ConstraintName == IdempotencyConflictHandler.Constraint;

    /// <summary>
    /// The answer to a request whose key an earlier request holds, read after that request committed: its first answer
    /// again (<paramref name="replay"/>), or 422 (and a security event) for the key reused with another body. Keys are
    /// kept, so the row is there; were it not, 409 lets a retry start afresh. The request that met the key has done a
    /// create's work for nothing (a reference number, its data sealed, its message signed; the rows rolled back): the
    /// price of a create in one round trip, paid only by a retry.
    /// </summary>
    public async Task<IResult> TakenAsync(HttpContext http, IdempotentRequest request, Func<Guid, Task<IResult>> replay,
        CancellationToken ct)
    {
        // A retry's path only: an EF query is simple enough here.
        var existing = await db.IdempotencyRecords.AsNoTracking()
            .SingleOrDefaultAsync(k => k.ClientId == request.ClientId && k.Key == request.Key, ct);
        var check = existing is null ? new IdempotencyCheck(IdempotencyState.InFlight, null) : Check(existing, request.Hash!);
        return (await AnswerAsync(http, check, replay, ct))!;
    }

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
    /// Tries the key's lock, then looks the key up: two statements in one round trip, so the lookup's snapshot is
    /// taken after the lock is held and sees a first request that committed meanwhile. Two first requests racing
    /// past each other's commit still meet at the key's primary key: the second rolls back whole and
    /// <see cref="IdempotencyConflictHandler"/> answers "in flight" (409); its retry then gets the replay.
    /// Every write of the node runs this once, so it is a plain batch on the transaction's connection, not an EF
    /// query (whose pipeline cost more CPU than the round trip).
    /// </summary>
    private async Task<IdempotencyCheck> ProbeAsync(string clientId, string key, string requestHash, CancellationToken ct)
    {
        var lockId = BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientId}\n{key}")));
        await using var probe = db.BatchInTransaction(
            new NpgsqlBatchCommand("SELECT pg_try_advisory_xact_lock($1)") { Parameters = { new NpgsqlParameter<long> { TypedValue = lockId } } },
            new NpgsqlBatchCommand("SELECT request_hash, status_code, resource_id FROM idempotency_keys WHERE client_id = $1 AND key = $2")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = clientId }, new NpgsqlParameter<string> { TypedValue = key } },
            });
        await using var rows = await probe.ExecuteReaderAsync(ct);
        await rows.ReadAsync(ct);
        if (!rows.GetBoolean(0))
            return new IdempotencyCheck(IdempotencyState.InFlight, null);
        await rows.NextResultAsync(ct);
        if (!await rows.ReadAsync(ct))
            return new IdempotencyCheck(IdempotencyState.New, null);
        return Check(new IdempotencyRecord
        {
            ClientId = clientId,
            Key = key,
            RequestHash = rows.GetString(0),
            StatusCode = rows.GetInt32(1),
            ResourceId = await rows.IsDBNullAsync(2, ct) ? null : rows.GetGuid(2),
        }, requestHash);
    }

    private static IdempotencyCheck Check(IdempotencyRecord existing, string requestHash) =>
        new(existing.RequestHash == requestHash ? IdempotencyState.Replay : IdempotencyState.Mismatch, existing);

    /// <summary>Records the outcome with the work it guards (same transaction).</summary>
    public void Complete(IdempotentRequest request, int status, Guid resourceId) =>
        db.AddRow(new IdempotencyRecord
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

public enum IdempotencyState { New, Replay, Mismatch, InFlight }

public sealed record IdempotencyCheck(IdempotencyState State, IdempotencyRecord? Record);
