namespace CrossBorder.Core.Lifecycle;

/// <summary>
/// What passes by rule when a deadline runs out with no step taken (DOMAIN.md): silence on a referral
/// is acceptance, silence on a re-examination is NOT, and an unused acceptance expires.
/// </summary>
public static class DeadlineRules
{
    /// <summary>The status the case moves to at <paramref name="deadline"/>, or null when none has lapsed.</summary>
    public static (string Status, DateTimeOffset At, string Deadline)? Lapse(string status, CaseDeadlines d, DateTimeOffset now) => status switch
    {
        // An open information request does not stop the reply clock (Dublin III Art. 22(7) has no such pause).
        ReferralStatus.UnderExamination or ReferralStatus.InformationRequested when d.ReplyDueAt is { } due && due <= now
            => (ReferralStatus.TacitlyAccepted, due, "reply"),
        ReferralStatus.ReexaminationRequested when d.ReexaminationReplyDueAt is { } due && due <= now
            => (ReferralStatus.RefusedFinal, due, "reexaminationReply"),
        ReferralStatus.Accepted or ReferralStatus.TacitlyAccepted or ReferralStatus.TransferPlanned
            when d.TransferDueAt is { } due && due <= now
            => (ReferralStatus.TransferExpired, due, "transfer"),
        _ => null,
    };
}
