using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Audit;

/// <summary>The auditor API (<c>audit.read</c> only) and the peer's cosigning endpoint.</summary>
public static class AuditEndpoints
{
    public const int MaxPageSize = 1000;
    public const int DefaultPageSize = 100;
    public const int MaxClientLength = 100;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit").WithGroupName(ApiDocuments.Ministry)
            .RequireAuthorization(Scopes.AuditRead);

        group.MapGet("/entries", EntriesAsync)
            .WithName("ListAuditEntries")
            .WithSummary("Audit entries, filtered, in index order, cursor paged; JSON or CSV")
            .WithDescription("Filters: `since`/`until` (entry time, RFC 3339, `until` exclusive), `referralId`, `messageId`, `client`, `kind`. " +
                "Each entry carries its `index` and `leaf`: base64url of the exact bytes the log commits to; its RFC 9162 leaf hash is " +
                "SHA-256(0x00 || leaf). The other fields are read from the leaf (UTF-8 JSON: v, index, time, kind, client, referralId, " +
                "messageId, messageType, peer, digest, receiptDigest, code, purpose, detail). Entries hold ids and digests, never personal data. " +
                "`limit` 1-1000 (default 100). Send `Accept: text/csv` for CSV with the same columns.")
            .Produces<AuditEntryPage>(200)
            .Produces<string>(200, "text/csv");

        group.MapGet("/entries/{index:long}/proof", ProofAsync)
            .WithName("GetAuditInclusionProof")
            .WithSummary("Merkle inclusion proof of one entry (RFC 9162 §2.1.3)")
            .WithDescription("`treeSize` defaults to the latest checkpoint's size. `auditPath` lists base64url SHA-256 hashes from the leaf up; " +
                "verify with SHA-256(0x00 || leaf) as the leaf hash against `rootHash`, which equals the root of the checkpoint of that size.");

        group.MapGet("/consistency", ConsistencyAsync)
            .WithName("GetAuditConsistencyProof")
            .WithSummary("Merkle consistency proof between two tree sizes (RFC 9162 §2.1.4)")
            .WithDescription("`proof` lists base64url SHA-256 hashes; empty when `from` is 0 or equals `to`.");

        group.MapGet("/checkpoints/latest", LatestCheckpointAsync)
            .WithName("GetLatestAuditCheckpoint")
            .WithSummary("The latest signed checkpoint with the peer's cosignature")
            .WithDescription("`checkpoint` is a JWS (ES256, `typ: crossborder-checkpoint+jws`) over `{origin, treeSize, rootHash, time}`, " +
                "verifiable with this node's keys (`/exchange/v1/keys`). `cosignature.jws` (`typ: crossborder-cosignature+jws`) is the peer " +
                "node's signature over the very same payload bytes, verifiable with the peer's keys; null until the peer has cosigned (usually within a second). With `cosigned=true`, the latest " +
                "checkpoint the peer has cosigned: the one an auditor verifies while the log keeps growing; 404 until there is one.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPost("/exchange/v1/checkpoints", CosignAsync)
            .WithTags("Exchange").WithGroupName(ApiDocuments.Exchange)
            .WithName("CosignCheckpoint")
            .WithSummary("Ask this node to cosign the calling peer's audit checkpoint")
            .WithDescription("Body: the peer's checkpoint JWS and a consistency proof from `fromSize`, the size this node last cosigned (0 the " +
                "first time). Answers 200 with the cosignature (`application/jose`, `typ: crossborder-cosignature+jws`, payload identical to the " +
                "checkpoint's), 409 CB0203 with `witnessedSize` when the proof starts elsewhere, 409 CB0204/CB0205 when the log shrank or forked.")
            .Accepts<CosignRequest>("application/json")
            .Produces<string>(200, PeerClient.JoseMediaType)
            .RequireAuthorization(Scopes.Exchange);
        return app;
    }

    private static async Task<IResult> EntriesAsync(HttpContext http, NodeDbContext db, DateTimeOffset? since, DateTimeOffset? until,
        Guid? referralId, Guid? messageId, [StringLength(MaxClientLength, MinimumLength = 1)] string? client, string? kind,
        [StringLength(QueryValues.PositionCursorMaxLength, MinimumLength = 1), RegularExpression(QueryValues.PositionCursorPattern)] string? cursor,
        [Range(1, MaxPageSize)] int? limit, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        since = QueryValues.Utc(since);
        until = QueryValues.Utc(until);
        QueryValues.CheckLimit(errors, limit, MaxPageSize);
        if (client is { Length: 0 or > MaxClientLength }) errors["client"] = [$"1 to {MaxClientLength} characters."];
        if (kind is not null && !AuditKinds.All.Contains(kind)) errors["kind"] = [$"One of: {string.Join(", ", AuditKinds.All)}."];
        if (since is not null && until is not null && until < since) errors["until"] = ["Must not be before 'since'."];
        long after = -1;
        if (cursor is not null && !QueryValues.TryDecodePosition(cursor, out after))
            errors["cursor"] = [QueryValues.CursorError];
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors);

        var query = db.AuditEntries.AsNoTracking().Where(e => e.LogIndex > after);
        if (since is not null) query = query.Where(e => e.RecordedAt >= since);
        if (until is not null) query = query.Where(e => e.RecordedAt < until);
        if (referralId is not null) query = query.Where(e => e.ReferralId == referralId);
        if (messageId is not null) query = query.Where(e => e.MessageId == messageId);
        if (client is not null) query = query.Where(e => e.ClientId == client);
        if (kind is not null) query = query.Where(e => e.Kind == kind);
        var size = limit ?? DefaultPageSize;
        var rows = await query.OrderBy(e => e.LogIndex).Take(size + 1).Select(e => new { e.LogIndex, e.Leaf }).ToListAsync(ct);
        var items = rows.Take(size).Select(r => View(r.LogIndex, r.Leaf)).ToList();
        var next = rows.Count > size ? QueryValues.EncodePosition(items[^1].Index) : null;

        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            if (next is not null) http.Response.Headers["X-Next-Cursor"] = next;
            return Results.Text(AuditCsv.Write(items), "text/csv", Encoding.UTF8);
        }
        return TypedResults.Ok(new AuditEntryPage(items, next));
    }

    /// <summary>Fields come from the leaf itself, so what an auditor reads is exactly what the log commits to.</summary>
    private static AuditEntryView View(long index, byte[] leaf)
    {
        AuditEntry? e = null;
        try { e = AuditEntry.FromLeaf(leaf); }
        catch (FormatException) { } // an altered leaf is served as is: the verifier names it
        return new AuditEntryView(index, e?.Time ?? default, e?.Kind ?? "", e?.Client, e?.ReferralId, e?.MessageId, e?.MessageType,
            e?.Peer, e?.Digest, e?.ReceiptDigest, e?.Code, e?.Purpose, e?.Detail, Base64Url.EncodeToString(leaf));
    }

    private static async Task<Results<Ok<InclusionProofView>, ProblemHttpResult>> ProofAsync(long index, long? treeSize, HttpContext http,
        NodeDbContext db, AuditTree tree, CancellationToken ct)
    {
        var size = treeSize ?? await db.AuditCheckpoints.MaxAsync(c => (long?)c.TreeSize, ct) ?? 0;
        var sequenced = await tree.SizeAsync(ct);
        if (index < 0 || index >= size || size > sequenced)
            return Problems.AuditRangeInvalid.Result(http, $"Need 0 <= index < treeSize <= {sequenced} (the sequenced size).");
        var (path, root) = await tree.ComputeAsync(p => (Core.Audit.MerkleTree.InclusionProof(p, index, size), Core.Audit.MerkleTree.Root(p, size)), ct);
        return TypedResults.Ok(new InclusionProofView(index, size, Base64Url.EncodeToString(root), path.Select(h => Base64Url.EncodeToString(h)).ToList()));
    }

    private static async Task<Results<Ok<ConsistencyProofView>, ProblemHttpResult>> ConsistencyAsync(long from, long to,
        HttpContext http, AuditTree tree, CancellationToken ct)
    {
        var sequenced = await tree.SizeAsync(ct);
        if (from < 0 || from > to || to > sequenced)
            return Problems.AuditRangeInvalid.Result(http, $"Need 0 <= from <= to <= {sequenced} (the sequenced size).");
        var proof = await tree.ComputeAsync(p => Core.Audit.MerkleTree.ConsistencyProof(p, from, to), ct);
        return TypedResults.Ok(new ConsistencyProofView(from, to, proof.Select(h => Base64Url.EncodeToString(h)).ToList()));
    }

    private static async Task<Results<Ok<CheckpointView>, ProblemHttpResult>> LatestCheckpointAsync(HttpContext http, NodeDbContext db,
        bool? cosigned, CancellationToken ct)
    {
        var checkpoints = db.AuditCheckpoints.AsNoTracking();
        if (cosigned == true)
            checkpoints = checkpoints.Where(c => db.AuditCosignatures.Any(s => s.TreeSize == c.TreeSize));
        var latest = await checkpoints.OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(ct);
        if (latest is null)
            return Problems.NoCheckpoint.Result(http, cosigned == true ? "None the peer has cosigned yet." : null);
        var cosignature = await db.AuditCosignatures.AsNoTracking().Where(c => c.TreeSize == latest.TreeSize)
            .OrderBy(c => c.Witness).FirstOrDefaultAsync(ct);
        var checkpoint = Checkpoint.Parse(Core.Signing.Jws.UnverifiedPayload(latest.Jws), out _)!;
        return TypedResults.Ok(new CheckpointView(checkpoint.Origin, latest.TreeSize, Base64Url.EncodeToString(latest.RootHash), checkpoint.Time,
            latest.Jws, cosignature is null ? null : new CosignatureView(cosignature.Witness, cosignature.Jws)));
    }

    private static async Task<IResult> CosignAsync(HttpContext http, AuditWitness witness, CancellationToken ct)
    {
        var clientId = http.User.ClientId();
        if (PeerIdentity.CountryOf(clientId) is not { } peer)
            return Problems.WrongSender.Result(http);
        var read = await RequestBody.ReadAsync(http.Request, "application/json", 64 * 1024, "a cosigning request", ct);
        if (read.Body is not { } body)
            return read.Problem(http);
        CosignRequest? request;
        try { request = JsonSerializer.Deserialize<CosignRequest>(body, JsonSerializerOptions.Web); }
        catch (JsonException) { request = null; }
        if (request is not { Checkpoint: { Length: > 0 and <= 4096 }, Proof: { Count: <= AuditWitness.MaxProofLength } } || request.FromSize < 0)
            return Problems.Validation.Result(http, "Send {checkpoint, fromSize, proof} with at most 128 proof hashes.");

        var result = await witness.CosignAsync(peer, clientId, request, ct);
        if (result.Problem is { } problem)
            return problem.Result(http, result.Detail,
                result.WitnessedSize is { } size ? new Dictionary<string, object?> { ["witnessedSize"] = size } : null);
        return Results.Text(result.Cosignature!, PeerClient.JoseMediaType, Encoding.ASCII, 200);
    }
}
