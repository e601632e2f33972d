using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Http;

/// <summary>
/// Two requests with the same Idempotency-Key that raced past <see cref="Idempotency.BeginAsync"/> (steps): the second
/// one's insert of the key fails on its primary key and rolls back whole. It answers what a request that
/// arrives while the first is running answers: 409 "in flight"; retried, it gets the first one's answer. (A create
/// meets the key in its one batch and answers from it: <see cref="Idempotency.TakenAsync"/>.)
/// </summary>
public sealed class IdempotencyConflictHandler : IExceptionHandler
{
    public const string Constraint = "PK_idempotency_keys";

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not DbUpdateException e || !Idempotency.IsTaken(e) || http.Response.HasStarted)
            return false;
        var problem = Problems.Create(Problems.IdempotencyKeyInFlight, http);
        http.Response.StatusCode = problem.Status!.Value;
        await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
        return true;
    }
}
