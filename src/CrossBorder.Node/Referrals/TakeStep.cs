using System.Text.Json;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Http;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// <c>POST /api/v1/referrals/{id}/{step}</c>: one lifecycle step, taken by the side docs/domain.md names,
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
        var request = Idempotency.RequestOf(http);
        var read = await RequestBody.ReadAsync(http.Request, "application/json", MaxBodyBytes, "a step", ct);
        if (read.Body is not { } raw)
            return read.Problem(http);

        object body;
        try { body = StepValidator.Read(step, raw); }
        catch (JsonException e) { return Problems.UnreadableJson(http, e, $"a '{step}' step"); }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        using var newRows = db.CollectNewRows(); // the unit's new rows go in the batch untracked
        if (await idempotency.BeginAsync(http, request, raw,
                async id => await reader.FindStateAsync(id, ct) is { } replay ? Ok(http, replay) : Problems.NoSuchReferral(http), ct)
            is { } answered)
            return answered;

        // Row lock: a concurrent step on the same case waits, then fails its If-Match.
        var referral = await db.LockReferralAsync(id, ct);
        if (referral is null)
            return Problems.NoSuchReferral(http);
        if (referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        if (!IfMatch.Of(http).Matches(referral.ETag))
            return Problems.PreconditionFailed.Result(http, "The referral changed since you read it; read it again.",
                new Dictionary<string, object?> { ["currentETag"] = referral.ETag });

        var side = ReferralReader.SideOf(referral);
        var accepted = body is DecisionBody { Outcome: DecisionOutcome.ACCEPT };
        var now = time.GetUtcNow();
        var allowed = ReferralReader.AllowedSteps(referral, now);
        if (definition.TakenBy != side)
            return Problems.WrongSide.Result(http, $"'{step}' is taken by the {definition.TakenBy} state; this node is the {side} state.",
                StatusExtensions(referral, allowed));
        if (referral.AwaitsOwnReceipt)
            return Problems.StepNotAllowed.Result(http,
                "A message of this node for this referral awaits the peer's signed receipt, which decides it; follow 'delivery'.",
                StatusExtensions(referral, allowed));
        if (DeadlineRules.Lapse(referral.Status, LegalClocks.Of(referral), now) is { } lapse)
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
        lifecycle.TakePending(referral, step, PeerMessages.Outcome(body), message, next, request.ClientId);
        referral.Changed(now);
        idempotency.Complete(request, StatusCodes.Status200OK, id);
        await db.SaveAsBatchAsync(ct);
        await tx.CommitAsync(ct);
        return Ok(http, reader.State(referral, ReferralReader.Queued(message)));
    }

    private static IResult Ok(HttpContext http, ReferralState state)
    {
        http.Response.Headers.ETag = state.ETag;
        return TypedResults.Ok(state);
    }

    private static Dictionary<string, object?> StatusExtensions(Referral referral, IReadOnlyList<string> allowed) =>
        new() { ["currentStatus"] = referral.Status, ["allowedSteps"] = allowed };
}
