namespace CrossBorder.Core.Lifecycle;

/// <summary>
/// How long each party has (docs/domain.md "Deadlines"), as ISO 8601 durations. A null value inherits: a legal
/// basis from the configured default, the default from <see cref="Domain"/>. Months are calendar months
/// (<see cref="IsoDuration.AddTo"/>), so both nodes compute the same instant from the same receipt.
/// </summary>
public sealed class DeadlinePolicy
{
    /// <summary>Reply to a referral, from the submission's receipt (default <c>P2M</c>).</summary>
    public string? Reply { get; set; }

    /// <summary>Reply to an urgent referral (default <c>P1M</c>).</summary>
    public string? UrgentReply { get; set; }

    /// <summary>Ask for re-examination, from the refusal's receipt (default <c>P21D</c>).</summary>
    public string? ReexaminationRequest { get; set; }

    /// <summary>Reply to a re-examination request, from its receipt (default <c>P14D</c>).</summary>
    public string? ReexaminationReply { get; set; }

    /// <summary>Transfer, from the acceptance's receipt or the tacit acceptance (default <c>P6M</c>).</summary>
    public string? Transfer { get; set; }

    /// <summary>Answer an information request, from its receipt: a reminder, not a status change (default <c>P35D</c>).</summary>
    public string? InformationAnswer { get; set; }

    /// <summary>docs/domain.md's defaults.</summary>
    public static DeadlinePolicy Domain => new()
    {
        Reply = "P2M", UrgentReply = "P1M", ReexaminationRequest = "P21D", ReexaminationReply = "P14D", Transfer = "P6M",
        InformationAnswer = "P35D",
    };

    /// <summary>Every setting by name, for validation messages.</summary>
    public IEnumerable<(string Name, string? Value)> Settings() =>
    [
        (nameof(Reply), Reply), (nameof(UrgentReply), UrgentReply), (nameof(ReexaminationRequest), ReexaminationRequest),
        (nameof(ReexaminationReply), ReexaminationReply), (nameof(Transfer), Transfer), (nameof(InformationAnswer), InformationAnswer),
    ];

    /// <summary>This policy with its unset values taken from <paramref name="fallback"/>, parsed.</summary>
    /// <exception cref="FormatException">A value is not an ISO 8601 duration (options validation refuses it at start).</exception>
    public DeadlineDurations Resolve(DeadlinePolicy fallback) => new(
        IsoDuration.Parse(Reply ?? fallback.Reply!), IsoDuration.Parse(UrgentReply ?? fallback.UrgentReply!),
        IsoDuration.Parse(ReexaminationRequest ?? fallback.ReexaminationRequest!),
        IsoDuration.Parse(ReexaminationReply ?? fallback.ReexaminationReply!), IsoDuration.Parse(Transfer ?? fallback.Transfer!),
        IsoDuration.Parse(InformationAnswer ?? fallback.InformationAnswer!));
}

/// <summary>The parsed deadlines of one legal basis.</summary>
public sealed record DeadlineDurations(IsoDuration Reply, IsoDuration UrgentReply, IsoDuration ReexaminationRequest,
    IsoDuration ReexaminationReply, IsoDuration Transfer, IsoDuration InformationAnswer);

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
