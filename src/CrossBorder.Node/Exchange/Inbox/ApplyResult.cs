using CrossBorder.Node.Data;
using CrossBorder.Node.Http;

namespace CrossBorder.Node.Exchange;

/// <summary>What applying a peer's message did: the locked referral and the receipt time, or why it was refused.</summary>
public sealed record ApplyResult(Referral? Referral, bool Conflict, ProblemKind? Problem, string? Detail, DateTimeOffset ReceivedAt = default)
{
    public static ApplyResult Fail(ProblemKind problem, string? detail) => new(null, false, problem, detail);
}
