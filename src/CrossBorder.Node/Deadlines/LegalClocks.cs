using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Deadlines;

/// <summary>
/// A case's legal clocks. Every clock starts at a time in a signed receipt, which both nodes hold, so both compute
/// the same due dates without talking; the durations come from <see cref="DeadlineOptions"/> by legal basis.
/// </summary>
public sealed class LegalClocks(IOptions<DeadlineOptions> options)
{
    public static CaseDeadlines Of(Referral r) =>
        new(r.ReplyDueAt, r.InformationDueAt, r.ReexaminationRequestDueAt, r.ReexaminationReplyDueAt, r.TransferDueAt);

    /// <summary>
    /// The reply clock a submission starts, from its receipt time. Called by the receiver when it signs the receipt
    /// and by the sender when it stores that receipt: the same instant on both sides.
    /// </summary>
    public void StartSubmission(Referral referral, DateTimeOffset receivedAt)
    {
        var policy = options.Value.For(referral.LegalBasis);
        referral.ReceivedAt = receivedAt;
        referral.ReplyDueAt = (referral.Urgent ? policy.UrgentReply : policy.Reply).AddTo(receivedAt);
        Refresh(referral);
    }

    /// <summary>The clock an applied step starts at its legal time.</summary>
    public void Start(Referral referral, string step, string toStatus, DateTimeOffset legalAt)
    {
        var policy = options.Value.For(referral.LegalBasis);
        switch (step)
        {
            case Lifecycle.InformationRequest:
                referral.InformationDueAt = policy.InformationAnswer.AddTo(legalAt);
                break;
            case Lifecycle.ReexaminationRequest:
                referral.ReexaminationReplyDueAt = policy.ReexaminationReply.AddTo(legalAt);
                break;
            case Lifecycle.Decision when toStatus == ReferralStatus.Accepted:
                StartTransfer(referral, legalAt);
                break;
            case Lifecycle.Decision when toStatus == ReferralStatus.Refused:
                referral.ReexaminationRequestDueAt = policy.ReexaminationRequest.AddTo(legalAt);
                break;
        }
    }

    /// <summary>The transfer clock: from an acceptance's receipt, or from the reply deadline a tacit acceptance lapsed at.</summary>
    public void StartTransfer(Referral referral, DateTimeOffset acceptedAt) =>
        referral.TransferDueAt = options.Value.For(referral.LegalBasis).Transfer.AddTo(acceptedAt);

    /// <summary>The derived due times lists filter on and the deadline clock walks.</summary>
    public static void Refresh(Referral referral)
    {
        var deadlines = Of(referral);
        referral.NextDueAt = deadlines.Open(referral.Status);
        referral.LapseDueAt = DeadlineRules.Next(referral.Status, deadlines)?.At;
    }
}
