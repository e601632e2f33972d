using CrossBorder.Core.Exchange;
using CrossBorder.Node.Data;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// Starts the legal clocks. Both nodes call this with the time from the same signed receipt, so both
/// compute the same due dates without talking to each other.
/// </summary>
public sealed class ReferralClock
{
    /// <summary>DOMAIN.md: reply within 2 months of receipt, 1 month when urgent.</summary>
    public static DateTimeOffset ReplyDue(DateTimeOffset receivedAt, bool urgent) => receivedAt.AddMonths(urgent ? 1 : 2);

    public void OnDelivered(Referral referral, string messageType, DateTimeOffset receivedAt)
    {
        if (messageType == MessageTypes.Submitted && referral.Status == ReferralStatuses.Submitted)
            StartExamination(referral, receivedAt);
    }

    public void StartExamination(Referral referral, DateTimeOffset receivedAt)
    {
        referral.Status = ReferralStatuses.UnderExamination;
        referral.ReceivedAt = receivedAt;
        referral.ReplyDueAt = ReplyDue(receivedAt, referral.Urgent);
    }
}
