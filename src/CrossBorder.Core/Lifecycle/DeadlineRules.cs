namespace CrossBorder.Core.Lifecycle;

/// <summary>
/// What passes by rule when a deadline runs out with no step taken (docs/domain.md): silence on a referral
/// is acceptance, silence on a re-examination is NOT, and an unused acceptance expires. A step whose legal
/// time (its receipt time) is at or before a deadline is in time, so a deadline lapses only strictly after it.
/// </summary>
public static class DeadlineRules
{
    /// <summary>The deadline whose passing changes <paramref name="status"/> by rule, or null.</summary>
    public static (string Status, DateTimeOffset At, string Deadline)? Next(string status, CaseDeadlines d) => status switch
    {
        // An open information request does not stop the reply clock (Dublin III Art. 22(7) has no such pause).
        ReferralStatus.UnderExamination or ReferralStatus.InformationRequested when d.ReplyDueAt is { } due
            => (ReferralStatus.TacitlyAccepted, due, "reply"),
        ReferralStatus.ReexaminationRequested when d.ReexaminationReplyDueAt is { } due
            => (ReferralStatus.RefusedFinal, due, "reexaminationReply"),
        ReferralStatus.Accepted or ReferralStatus.TacitlyAccepted or ReferralStatus.TransferPlanned when d.TransferDueAt is { } due
            => (ReferralStatus.TransferExpired, due, "transfer"),
        _ => null,
    };

    /// <summary>The status the case moves to by rule, when its deadline is strictly before <paramref name="now"/>; else null.</summary>
    public static (string Status, DateTimeOffset At, string Deadline)? Lapse(string status, CaseDeadlines d, DateTimeOffset now) =>
        Next(status, d) is { } lapse && lapse.At < now ? lapse : null;

    /// <summary>
    /// The deadline a step answers when taken from <paramref name="status"/> (null: none, as for a withdrawal). The
    /// step is in time when its receipt time is at or before it.
    /// </summary>
    public static DateTimeOffset? AnsweredBy(string step, string status, CaseDeadlines d) => step switch
    {
        Lifecycle.Withdrawal => null,
        Lifecycle.Information => d.InformationDueAt,
        _ => d.Open(status),
    };
}
