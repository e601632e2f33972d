using System.Text.Json;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Auth;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Exchange;
using CrossBorder.Node.Hosting;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// <c>POST /api/v1/referrals/{id}/{step}</c>: one lifecycle step, taken by the side DOMAIN.md names,
/// applied here and queued to the peer as its own signed message, in one transaction.
/// </summary>
public static class TakeStep
{
    public const int MaxBodyBytes = 64 * 1024;

    public static async Task<IResult> HandleAsync(Guid id, string step, HttpContext http, WriteServices s, CancellationToken ct)
    {
        var (db, idempotency, outbox, lifecycle, reader, time, _) = s;
        if (Lifecycle.Find(step) is not { } definition)
            return Problems.NotFound.Result(http, $"Unknown step. Steps: {string.Join(", ", Lifecycle.Steps.Select(s => s.Name))}.");
        if (Idempotency.ReadKey(http.Request) is not { } key)
            return Problems.IdempotencyKeyMissing.Result(http, "Send a unique Idempotency-Key (1-255 printable characters) with every POST.");
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(ifMatch))
            return Problems.PreconditionRequired.Result(http, "Send If-Match with the referral's current ETag.");
        if (!RequestBody.HasMediaType(http.Request, "application/json"))
            return Problems.UnsupportedMediaType.Result(http, "Send the step as application/json.");
        var raw = await RequestBody.ReadAsync(http.Request, MaxBodyBytes, ct);
        if (raw is null)
            return Problems.PayloadTooLarge.Result(http, $"A step is at most {MaxBodyBytes} bytes.");

        object body;
        try { body = StepValidator.Read(step, raw); }
        catch (JsonException e) { return CreateReferral.MalformedJson(http, e); }

        var clientId = http.User.ClientId();
        var hash = Idempotency.Hash("POST", http.Request.Path, raw);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var check = await idempotency.BeginAsync(clientId, key, hash, ct);
        switch (check.State)
        {
            case IdempotencyState.InFlight: return Problems.IdempotencyKeyInFlight.Result(http);
            case IdempotencyState.Mismatch:
                await s.Audit.IdempotencyMisuseAsync(http, ct);
                return Problems.IdempotencyKeyReused.Result(http);
            case IdempotencyState.Replay:
                return await reader.FindStateAsync(id, ct) is { } replay ? Ok(http, replay) : Problems.NotFound.Result(http, NoSuchReferral);
        }

        // Row lock: a concurrent step on the same case waits, then fails its If-Match.
        var referral = await db.Referrals.FromSql($"SELECT * FROM referrals WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (referral is null)
            return Problems.NotFound.Result(http, NoSuchReferral);
        if (ifMatch.Trim() != "*" && !ifMatch.Split(',').Select(t => t.Trim()).Contains(ReferralReader.ETag(referral)))
            return Problems.PreconditionFailed.Result(http, "The referral changed since you read it; read it again.",
                new Dictionary<string, object?> { ["currentETag"] = ReferralReader.ETag(referral) });

        var side = ReferralReader.SideOf(referral);
        var accepted = body is DecisionBody { Outcome: DecisionOutcome.ACCEPT };
        var now = time.GetUtcNow();
        var allowed = ReferralReader.AllowedSteps(referral, now);
        if (definition.TakenBy != side)
            return Problems.WrongSide.Result(http, $"'{step}' is taken by the {definition.TakenBy} state; this node is the {side} state.",
                StatusExtensions(referral, allowed));
        if (referral.PendingMessageId is not null || referral.Status == ReferralStatus.Submitted)
            return Problems.StepNotAllowed.Result(http,
                "A message of this node for this referral awaits the peer's signed receipt, which decides it; follow 'delivery'.",
                StatusExtensions(referral, allowed));
        if (DeadlineRules.Lapse(referral.Status, CaseLifecycle.DeadlinesOf(referral), now) is { } lapse)
            return Problems.StepNotAllowed.Result(http,
                $"The {lapse.Deadline} deadline passed at {lapse.At:O}; the referral moves to {lapse.Status} by rule. Read it again.",
                StatusExtensions(referral, []));
        if (Lifecycle.Next(referral.Status, step, accepted) is not { } next)
            return Problems.StepNotAllowed.Result(http, $"'{step}' is not allowed while the referral is {referral.Status}.",
                StatusExtensions(referral, allowed));
        if (step == Lifecycle.ReexaminationRequest && referral.ReexaminationRequestDueAt is { } window && now > window)
            return Problems.StepNotAllowed.Result(http, $"The re-examination request window closed at {window:O}.",
                StatusExtensions(referral, allowed));

        var errors = StepValidator.Validate(body, DateOnly.FromDateTime(now.UtcDateTime), referral.TransferDueAt);
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors.ToDictionary(e => e.Key, e => e.Value));

        // Sent, not applied: the peer's signed receipt decides it (docs/agreement.md).
        var message = outbox.Queue(referral, definition.MessageType, body, lifecycle.NextOrderTime(referral));
        lifecycle.TakePending(referral, step, IncomingReferrals.Outcome(body), message, next, clientId);
        referral.Version++;
        idempotency.Complete(clientId, key, hash, StatusCodes.Status200OK, id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Ok(http, reader.State(referral, ReferralReader.Queued(message)));
    }

    public const string NoSuchReferral = "No referral with this id on this node.";

    private static IResult Ok(HttpContext http, ReferralState state)
    {
        http.Response.Headers.ETag = state.ETag;
        return TypedResults.Ok(state);
    }

    private static Dictionary<string, object?> StatusExtensions(Referral referral, IReadOnlyList<string> allowed) =>
        new() { ["currentStatus"] = referral.Status, ["allowedSteps"] = allowed };
}
