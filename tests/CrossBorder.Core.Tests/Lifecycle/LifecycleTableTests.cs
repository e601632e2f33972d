using CrossBorder.Core.Lifecycle;
using Rules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Core.Tests.Lifecycle;

public sealed class LifecycleTableTests
{
    [Test]
    public void Next_ClosedStatuses_NoStepAllowed()
    {
        foreach (var status in ReferralStatus.All.Where(ReferralStatus.IsClosed))
        foreach (var step in Rules.Steps)
            Assert.That(Rules.Next(status, step.Name, true) ?? Rules.Next(status, step.Name), Is.Null, $"{status} {step.Name}");
    }

    [Test]
    public void Next_DecisionAfterReexamination_RefusalIsFinal()
    {
        Assert.That(Rules.Next(ReferralStatus.ReexaminationRequested, Rules.Decision, accepted: false), Is.EqualTo(ReferralStatus.RefusedFinal));
        Assert.That(Rules.Next(ReferralStatus.UnderExamination, Rules.Decision, accepted: false), Is.EqualTo(ReferralStatus.Refused));
    }

    [Test]
    public void Allowed_EachSide_OnlyItsOwnSteps()
    {
        Assert.That(Rules.Allowed(ReferralStatus.UnderExamination, Side.Requested), Is.EquivalentTo(new[] { "information-request", "decision" }));
        Assert.That(Rules.Allowed(ReferralStatus.UnderExamination, Side.Requesting), Is.EquivalentTo(new[] { "withdrawal" }));
        Assert.That(Rules.Allowed(ReferralStatus.TacitlyAccepted, Side.Requesting), Is.EquivalentTo(new[] { "transfer-proposal", "withdrawal" }));
    }
}
