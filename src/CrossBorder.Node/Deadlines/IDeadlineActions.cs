using CrossBorder.Node.Data;

namespace CrossBorder.Node.Deadlines;

/// <summary>What the deadline clock asks of the case lifecycle (implemented in <c>Referrals/CaseLifecycle</c>).</summary>
public interface IDeadlineActions
{
    /// <summary>Applies every lapse due now, in the locked referral; false when nothing lapsed or its own step awaits a receipt.</summary>
    bool ApplyDueLapses(Referral referral);

    /// <summary>Publishes the information-answer reminder (the status does not change).</summary>
    void RemindInformationAnswer(Referral referral);
}
