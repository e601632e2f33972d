using System.ComponentModel.DataAnnotations;
using CrossBorder.Node.Console;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using Scopes = CrossBorder.Node.Http.Scopes;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CrossBorder.Node.Operations;

/// <summary>
/// The console's API (issue 15): operators (<c>operations</c>) see message states, dead letters (and re-drive them),
/// peers and throughput; auditors (<c>audit.read</c>) see checkpoints and a case's timeline; anyone sees the keys
/// that verify what the node signed. Metadata only: no content of a message, no personal data.
/// </summary>
public static class OperationsEndpoints
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 100;

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/operations").WithTags("Operations").WithGroupName(ApiDocuments.Ministry);
        var operators = group.MapGroup("").RequireAuthorization(Scopes.Operations);
        var auditors = group.MapGroup("").RequireAuthorization(Scopes.AuditRead);

        operators.MapGet("/messages/summary", (OperationsQueries q, CancellationToken ct) => q.SummaryAsync(ct))
            .WithName("GetMessageSummary")
            .WithSummary("Messages by direction and state, and the age of the oldest undelivered one")
            .WithDescription("Counts of this node's messages per `direction` (outgoing, incoming) and `state` (queued, delivered, dead_letter; " +
                "received, conflict). `oldestPendingSentAt` and `oldestPendingAgeSeconds` describe the oldest outgoing message still queued " +
                "(null when none is); `deadLetters` counts outgoing messages the peer refused permanently.");

        operators.MapGet("/dead-letters", DeadLettersAsync)
            .WithName("ListDeadLetters")
            .WithSummary("Outgoing messages the peer refused permanently, oldest first, cursor paged")
            .WithDescription("Each dead letter names its message and referral, its type and sequence, the peer, its attempts and `reason`: the " +
                "peer's refusal (status and problem code) as recorded. Never the message content. `limit` 1-200 (default 100).");

        operators.MapPost("/dead-letters/{messageId:guid}/redrive", RedriveAsync)
            .WithName("RedriveDeadLetter")
            .WithSummary("Put a dead-lettered message back in the outbox")
            .WithDescription("For after an operator fixed what made the peer refuse it. The message keeps its id and signed bytes (the peer's " +
                "idempotency still holds) and is due at once. The re-drive is an audit entry (`message.redriven`) naming the caller. " +
                "404 when this node sent no message with this id; 409 (CB0301) when the message is not a dead letter. No body.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        operators.MapGet("/peers", (OperationsQueries q, CancellationToken ct) => q.PeersAsync(ct))
            .WithName("ListPeerStatus")
            .WithSummary("Each peer's health as this replica sees it: circuit breaker, backlog, last delivery and cosignature")
            .WithDescription("`breaker` is `closed` (sending), `open` (sending paused until `pausedUntil`, after failures or the peer's 429) or " +
                "`half-open` (the peer failed; one message is tried per break). Breaker state is per replica; counts and times come from the database.");

        operators.MapGet("/throughput", ThroughputAsync)
            .WithName("GetThroughput")
            .WithSummary("Messages per minute and delivery latency over the last minutes")
            .WithDescription("One bucket per minute over the last `minutes` (1-180, default 60), oldest first: outgoing messages `sent`, " +
                "`delivered` (the peer's signed receipt stored), incoming messages `received`, and the delivery latency from sending to the " +
                "receipt's time (median, 95th percentile and maximum in milliseconds; null in a minute with no delivery). Computed from the " +
                "messages' own timestamps.");

        group.MapGet("/keys", (OperationsQueries q) => TypedResults.Ok(q.Keys()))
            .WithName("ListKeys")
            .WithSummary("This node's public signing keys and each peer's pinned keys, with their validity")
            .WithDescription("This node's own keys (`own: true`, as `/exchange/v1/keys` publishes them; `current` signs today) and the keys it " +
                "trusts for each peer, from its configuration (never from the network): what verifies checkpoints and their cosignatures. " +
                "`notAfter` and `daysLeft` are null while no validity period is configured.")
            .WithMetadata(NoDatabase.Instance)
            .AllowAnonymous();

        auditors.MapGet("/checkpoints", CheckpointsAsync)
            .WithName("ListAuditCheckpoints")
            .WithSummary("The audit log's signed checkpoints, newest first, with the peer's cosignatures")
            .WithDescription("Each checkpoint's tree size, root hash (base64url), time, JWS (`crossborder-checkpoint+jws`) and the peer's " +
                "cosignature JWS over the same payload (null until cosigned). Check consecutive checkpoints with " +
                "`GET /api/v1/audit/consistency?from=&to=`. `limit` 1-200 (default 100); `cursor` is the previous page's `nextCursor`.");

        auditors.MapGet("/cases/{id:guid}/timeline", CaseAsync)
            .WithName("GetCaseTimeline")
            .WithSummary("A case's timeline without personal data: messages, receipts, steps and deadlines")
            .WithDescription("The referral's status and parties (countries), its deadlines (`lapsed` once passed), every signed message of the " +
                "case by digest with the time of its signed receipt, and its history of steps with their legal time and whether each answered " +
                "its deadline in time (`inTime`). No personal data: this is not a read of the referral in the audit log's sense.");
        return app;
    }

    private static async Task<Results<Ok<DeadLetterPage>, ValidationProblem>> DeadLettersAsync(HttpContext http, OperationsQueries q,
        [StringLength(QueryValues.IdCursorLength, MinimumLength = QueryValues.IdCursorLength), RegularExpression(QueryValues.IdCursorPattern)] string? cursor,
        [Range(1, MaxPageSize)] int? limit, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > MaxPageSize) errors["limit"] = [$"Between 1 and {MaxPageSize}."];
        Guid? after = null;
        if (cursor is not null)
        {
            if (QueryValues.TryDecodeId(cursor, out var id)) after = id;
            else errors["cursor"] = [QueryValues.CursorError];
        }
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors);
        return TypedResults.Ok(await q.DeadLettersAsync(after, limit ?? DefaultPageSize, ct));
    }

    private static async Task<Results<Ok<RedriveResult>, ProblemHttpResult>> RedriveAsync(
        [System.ComponentModel.Description("The dead-lettered message's id (`messageId` of a dead letter, or `delivery.messageId` on the referral).")] Guid messageId, HttpContext http,
        MessageRedrive redrive, CancellationToken ct)
    {
        var account = ConsoleClient.AccountOf(http.User.GetClaim(Claims.Subject))?.ToString();
        var (outcome, result) = await redrive.RedriveAsync(messageId, http.User.ClientId(), account, ct);
        return outcome switch
        {
            MessageRedrive.Outcome.Redriven => TypedResults.Ok(result!),
            MessageRedrive.Outcome.NotFound => Problems.NotFound.Result(http, "This node sent no message with this id."),
            _ => Problems.NotDeadLetter.Result(http),
        };
    }

    private static async Task<Results<Ok<ThroughputView>, ValidationProblem>> ThroughputAsync(HttpContext http, OperationsQueries q,
        [Range(1, 180)] int? minutes, CancellationToken ct)
    {
        if (minutes is < 1 or > 180)
            return Problems.ValidationResult(http, new Dictionary<string, string[]> { ["minutes"] = ["Between 1 and 180."] });
        return TypedResults.Ok(await q.ThroughputAsync(minutes ?? 60, ct));
    }

    private static async Task<Results<Ok<CheckpointPage>, ValidationProblem>> CheckpointsAsync(HttpContext http, OperationsQueries q,
        [StringLength(QueryValues.PositionCursorMaxLength, MinimumLength = 1), RegularExpression(QueryValues.PositionCursorPattern)] string? cursor,
        [Range(1, MaxPageSize)] int? limit, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > MaxPageSize) errors["limit"] = [$"Between 1 and {MaxPageSize}."];
        long? before = null;
        if (cursor is not null)
        {
            if (QueryValues.TryDecodePosition(cursor, out var size)) before = size;
            else errors["cursor"] = [QueryValues.CursorError];
        }
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors);
        return TypedResults.Ok(await q.CheckpointsAsync(before, limit ?? DefaultPageSize, ct));
    }

    private static async Task<Results<Ok<CaseTimeline>, ProblemHttpResult>> CaseAsync(Guid id, HttpContext http, OperationsQueries q,
        CancellationToken ct) =>
        await q.CaseAsync(id, ct) is { } timeline ? TypedResults.Ok(timeline) : Problems.NotFound.Result(http, "No referral with this id.");
}
