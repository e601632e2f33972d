using CrossBorder.Core.Lifecycle;

namespace CrossBorder.Core.Tests.Lifecycle;

public sealed class DeadlineRulesTests
{
    private static readonly DateTimeOffset Due = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [TestCase(ReferralStatus.UnderExamination, ReferralStatus.TacitlyAccepted)]
    [TestCase(ReferralStatus.InformationRequested, ReferralStatus.TacitlyAccepted)]
    public void Lapse_ReplyDeadlinePassed_TacitAcceptanceAtTheDeadline(string status, string expected)
    {
        var lapse = DeadlineRules.Lapse(status, new CaseDeadlines(Due, null, null, null, null), Due.AddSeconds(1));
        Assert.That(lapse, Is.Not.Null);
        Assert.That(lapse!.Value.Status, Is.EqualTo(expected));
        Assert.That(lapse.Value.At, Is.EqualTo(Due));
    }

    [Test]
    public void Lapse_BeforeDeadline_Nothing() =>
        Assert.That(DeadlineRules.Lapse(ReferralStatus.UnderExamination, new CaseDeadlines(Due, null, null, null, null), Due.AddTicks(-1)),
            Is.Null);

    [Test]
    public void Lapse_ReexaminationReplyPassed_RefusedFinalNotAccepted() =>
        Assert.That(DeadlineRules.Lapse(ReferralStatus.ReexaminationRequested, new CaseDeadlines(null, null, null, Due, null), Due.AddTicks(1))!.Value.Status,
            Is.EqualTo(ReferralStatus.RefusedFinal));

    [TestCase(ReferralStatus.Accepted)]
    [TestCase(ReferralStatus.TacitlyAccepted)]
    [TestCase(ReferralStatus.TransferPlanned)]
    public void Lapse_TransferDeadlinePassed_TransferExpired(string status) =>
        Assert.That(DeadlineRules.Lapse(status, new CaseDeadlines(null, null, null, null, Due), Due.AddTicks(1))!.Value.Status,
            Is.EqualTo(ReferralStatus.TransferExpired));

    [TestCase(ReferralStatus.Refused)]
    [TestCase(ReferralStatus.Transferred)]
    [TestCase(ReferralStatus.Withdrawn)]
    [TestCase(ReferralStatus.Submitted)]
    public void Lapse_StatusWithoutRule_Nothing(string status) =>
        Assert.That(DeadlineRules.Lapse(status, new CaseDeadlines(Due, Due, Due, Due, Due), Due.AddYears(1)), Is.Null);

    [Test]
    public void Open_InformationRequested_EarlierOfAnswerAndReply()
    {
        var d = new CaseDeadlines(Due, Due.AddDays(-3), null, null, null);
        Assert.That(d.Open(ReferralStatus.InformationRequested), Is.EqualTo(Due.AddDays(-3)));
        Assert.That(d.Open(ReferralStatus.Transferred), Is.Null);
    }
}
