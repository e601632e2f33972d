using CrossBorder.Core.Lifecycle;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Steps;

/// <summary>Deadlines lapse by rule on both nodes alike, with the test clock moved forward.</summary>
public sealed class DeadlineClockTests
{
    private NodePair _pair = null!;
    private CaseDriver _cases = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _cases = await CaseDriver.CreateAsync(_pair);
    }

    [TearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task ReplyDeadline_Passes_BothNodesTacitlyAcceptWithSameDueDates()
    {
        var id = await _cases.SubmitAsync();
        var urgent = await _cases.SubmitAsync(urgent: true);
        var (before, _) = await _cases.AgreeAsync(id, ReferralStatus.UnderExamination);
        var replyDue = before["deadlines"]!["replyDueAt"]!.GetValue<DateTimeOffset>();
        Assert.That(replyDue, Is.EqualTo(before["receivedAt"]!.GetValue<DateTimeOffset>().AddMonths(2)));

        await _cases.AdvanceAsync(TimeSpan.FromDays(32)); // past the urgent case's one month only
        var (urgentFr, urgentGb) = await _cases.AgreeAsync(urgent, ReferralStatus.TacitlyAccepted);
        Assert.That(CaseDriver.Agreement(urgentGb), Is.EqualTo(CaseDriver.Agreement(urgentFr)));
        await _cases.AgreeAsync(id, ReferralStatus.UnderExamination);

        await _cases.AdvanceAsync(TimeSpan.FromDays(31));
        var (fr, gb) = await _cases.AgreeAsync(id, ReferralStatus.TacitlyAccepted);
        Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)));
        Assert.That(fr["deadlines"]!["transferDueAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(replyDue.AddMonths(6)));
        var lapse = fr["history"]!.AsArray().Last()!;
        Assert.That(lapse["step"]!.GetValue<string>(), Is.EqualTo("deadline:reply"));
        Assert.That(lapse["takenBy"]!.GetValue<string>(), Is.EqualTo("rule"));
        Assert.That(lapse["at"]!.GetValue<DateTimeOffset>(), Is.EqualTo(replyDue));

        // A tacitly accepted case can still be transferred.
        await _cases.TakeAsync(id, "transfer-proposal", ReferralStatus.TransferPlanned);
    }

    [Test]
    public async Task ReexaminationReplyDeadline_Passes_BothNodesRefuseFinally()
    {
        var id = await _cases.SubmitAsync();
        await _cases.TakeAsync(id, "decision", ReferralStatus.Refused, accept: false);
        await _cases.TakeAsync(id, "reexamination-request", ReferralStatus.ReexaminationRequested);
        await _cases.AdvanceAsync(TimeSpan.FromDays(15));
        var (fr, gb) = await _cases.AgreeAsync(id, ReferralStatus.RefusedFinal);
        Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)));
    }

    [Test]
    public async Task TransferDeadline_Passes_BothNodesExpireTheTransfer()
    {
        var id = await _cases.SubmitAsync();
        await _cases.TakeAsync(id, "decision", ReferralStatus.Accepted);
        await _cases.TakeAsync(id, "transfer-proposal", ReferralStatus.TransferPlanned);
        await _cases.AdvanceAsync(TimeSpan.FromDays(186));
        var (fr, gb) = await _cases.AgreeAsync(id, ReferralStatus.TransferExpired);
        Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)));
        var overdue = await NodePair.GetJsonAsync(_cases.Fr, "api/v1/referrals?overdue=true&limit=200");
        Assert.That(overdue["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Not.Contain(id), "a closed case has no open deadline");
    }

    [Test]
    public async Task ReplyDeadline_NotYetPassed_NothingChanges()
    {
        var id = await _cases.SubmitAsync();
        await _cases.AdvanceAsync(TimeSpan.FromDays(58));
        var overdue = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(_cases.Gb, "api/v1/referrals?dueBefore=" +
            Uri.EscapeDataString(_pair.Clock.GetUtcNow().AddDays(7).ToString("O"))), p => p["items"]!.AsArray().Count == 1);
        Assert.That(overdue["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo(ReferralStatus.UnderExamination));
        var (fr, _) = await _cases.AgreeAsync(id, ReferralStatus.UnderExamination);
        Assert.That(fr["deadlines"]!["overdue"]!.GetValue<bool>(), Is.False);
    }
}
