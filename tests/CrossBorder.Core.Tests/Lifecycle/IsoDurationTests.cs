using CrossBorder.Core.Lifecycle;

namespace CrossBorder.Core.Tests.Lifecycle;

public sealed class IsoDurationTests
{
    private static readonly DateTimeOffset Jan31 = new(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);

    [TestCase("P2M", "2026-03-31T10:00:00Z")]
    [TestCase("P1M", "2026-02-28T10:00:00Z")]
    [TestCase("P21D", "2026-02-21T10:00:00Z")]
    [TestCase("P3W", "2026-02-21T10:00:00Z")]
    [TestCase("P1Y", "2027-01-31T10:00:00Z")]
    [TestCase("PT30S", "2026-01-31T10:00:30Z")]
    [TestCase("P1DT1H1M1.5S", "2026-02-01T11:01:01.5Z")]
    public void AddTo_CalendarCorrect(string text, string expected) =>
        Assert.That(IsoDuration.Parse(text).AddTo(Jan31), Is.EqualTo(DateTimeOffset.Parse(expected)));

    [TestCase("")]
    [TestCase("P")]
    [TestCase("PT")]
    [TestCase("P0D")]
    [TestCase("2M")]
    [TestCase("P-1D")]
    [TestCase("P1.5M")]
    [TestCase("p2m")]
    public void TryParse_NotADuration_Null(string text) => Assert.That(IsoDuration.TryParse(text), Is.Null);

    [Test]
    public void Lapse_ExactlyAtDeadline_NotYet() =>
        Assert.That(DeadlineRules.Lapse(ReferralStatus.UnderExamination, new CaseDeadlines(Jan31, null, null, null, null), Jan31), Is.Null);
}
