namespace CrossBorder.Node.Referrals;

/// <summary>
/// An applied history entry that is not a ministry step: the submission, its receipt, a lapse by rule.
/// <see cref="Client"/> is the ministry client that caused it here, for the audit log (default: <see cref="TakenBy"/>);
/// <see cref="LegalAt"/> its legal time when it has one (a receipt, a deadline).
/// </summary>
public sealed record CaseEvent(string Step, string TakenBy, string ToStatus, DateTimeOffset At, string FeedType)
{
    public Guid? MessageId { get; init; }
    public string? Client { get; init; }
    public DateTimeOffset? LegalAt { get; init; }
}
