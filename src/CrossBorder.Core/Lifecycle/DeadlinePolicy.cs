namespace CrossBorder.Core.Lifecycle;

/// <summary>
/// How long each party has, per legal basis (DOMAIN.md "Deadlines"). Months are calendar months
/// (<see cref="DateTimeOffset.AddMonths"/>), so both nodes compute the same instant from the same receipt.
/// </summary>
public sealed class DeadlinePolicy
{
    public int ReplyMonths { get; set; } = 2;
    public int UrgentReplyMonths { get; set; } = 1;
    public int ReexaminationRequestDays { get; set; } = 21;
    public int ReexaminationReplyDays { get; set; } = 14;
    public int TransferMonths { get; set; } = 6;
    public int InformationAnswerDays { get; set; } = 35;

    public static DeadlinePolicy Default { get; } = new();
}

/// <summary>The legal deadlines of one case. Each is computed from a signed receipt time.</summary>
public sealed record CaseDeadlines(
    DateTimeOffset? ReplyDueAt,
    DateTimeOffset? InformationDueAt,
    DateTimeOffset? ReexaminationRequestDueAt,
    DateTimeOffset? ReexaminationReplyDueAt,
    DateTimeOffset? TransferDueAt)
{
    /// <summary>The deadline that matters in <paramref name="status"/>: what "due" and "overdue" lists use.</summary>
    public DateTimeOffset? Open(string status) => status switch
    {
        ReferralStatus.UnderExamination => ReplyDueAt,
        ReferralStatus.InformationRequested => Min(InformationDueAt, ReplyDueAt),
        ReferralStatus.Refused => ReexaminationRequestDueAt,
        ReferralStatus.ReexaminationRequested => ReexaminationReplyDueAt,
        ReferralStatus.Accepted or ReferralStatus.TacitlyAccepted or ReferralStatus.TransferPlanned => TransferDueAt,
        _ => null,
    };

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
