using System.Text.Json.Nodes;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// Issue 10: a decision that crosses the reply deadline. The receiver's signed receipt time is its legal time: in
/// time at or before the deadline, late after it (stored, the tacit acceptance stands). Both nodes agree every time.
/// </summary>
public sealed class DeadlineCrossingTests
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

    [TestCase(-1, ReferralStatus.Accepted, true, StepStatesView.Applied, TestName = "Decision_ReceivedJustBeforeReplyDeadline_AppliedOnBothNodes")]
    [TestCase(0, ReferralStatus.Accepted, true, StepStatesView.Applied, TestName = "Decision_ReceivedExactlyAtReplyDeadline_InTimeOnBothNodes")]
    [TestCase(1, ReferralStatus.TacitlyAccepted, false, StepStatesView.Late, TestName = "Decision_ReceivedJustAfterReplyDeadline_LateAndTacitAcceptanceStandsOnBothNodes")]
    public async Task Decision_ReceivedAroundTheDeadline(int receiptMsFromDeadline, string expected, bool inTime, string state)
    {
        var (id, due) = await SubmitAsync();
        // Both clocks just before the deadline; FR's clock, which signs the receipt, stopped at deadline + offset.
        await MoveSharedClockToAsync(due.AddSeconds(-30));
        _pair.Fr.Clock.Freeze(due.AddMilliseconds(receiptMsFromDeadline));
        try
        {
            await _cases.AdvanceAsync(TimeSpan.Zero);
            using var response = await _cases.StepAsync(_cases.Gb, id, Lifecycle.Decision, _cases.Body(Lifecycle.Decision));
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
            var (fr, gb) = await _cases.AgreeAsync(id, expected);
            AssertDecision(fr, gb, due.AddMilliseconds(receiptMsFromDeadline), inTime, state);
        }
        finally
        {
            _pair.Fr.Clock.Thaw();
        }
    }

    [Test]
    public async Task Decision_HeldBackWhileReceiverDownPastDeadline_LateOnBothNodesAndSenderWaitedForTheReceipt()
    {
        var (id, due) = await SubmitAsync();
        await MoveSharedClockToAsync(due.AddMinutes(-1));
        await _pair.Fr.StopAsync();
        using (var response = await _cases.StepAsync(_cases.Gb, id, Lifecycle.Decision, _cases.Body(Lifecycle.Decision)))
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());

        _pair.Clock.Advance(TimeSpan.FromDays(2));
        var gbToken = await _pair.Gb.MinistryAsync();
        // GB's clock is past the deadline, but its decision is in flight: it waits for the receipt, which decides.
        var waiting = await NodePair.GetJsonAsync(gbToken, $"api/v1/referrals/{id}");
        Assert.That(waiting["status"]!.GetValue<string>(), Is.EqualTo(ReferralStatus.UnderExamination));
        Assert.That(waiting["history"]!.AsArray().Last()!["state"]!.GetValue<string>(), Is.EqualTo(StepStatesView.Pending));

        await _pair.Fr.StartAsync();
        await _cases.AdvanceAsync(TimeSpan.Zero);
        var (fr, gb) = await _cases.AgreeAsync(id, ReferralStatus.TacitlyAccepted);
        var decision = fr["history"]!.AsArray().Single(h => h!["step"]!.GetValue<string>() == Lifecycle.Decision)!;
        Assert.That(decision["legalAt"]!.GetValue<DateTimeOffset>(), Is.GreaterThan(due));
        AssertDecision(fr, gb, decision["legalAt"]!.GetValue<DateTimeOffset>(), false, StepStatesView.Late);
    }

    private async Task<(string Id, DateTimeOffset Due)> SubmitAsync()
    {
        var id = await _cases.SubmitAsync();
        var (fr, _) = await _cases.AgreeAsync(id, ReferralStatus.UnderExamination);
        return (id, fr["deadlines"]!["replyDueAt"]!.GetValue<DateTimeOffset>());
    }

    private Task MoveSharedClockToAsync(DateTimeOffset at) => _cases.AdvanceAsync(at - _pair.Clock.GetUtcNow());

    private static void AssertDecision(JsonObject fr, JsonObject gb, DateTimeOffset legalAt, bool inTime, string state)
    {
        Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)), "both nodes agree");
        foreach (var view in new[] { fr, gb })
        {
            var decision = view["history"]!.AsArray().Single(h => h!["step"]!.GetValue<string>() == Lifecycle.Decision)!;
            Assert.Multiple(() =>
            {
                Assert.That(decision["legalAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(legalAt), "legal time = FR's receipt time");
                Assert.That(decision["inTime"]!.GetValue<bool>(), Is.EqualTo(inTime));
                Assert.That(decision["state"]!.GetValue<string>(), Is.EqualTo(state));
            });
        }
    }
}

/// <summary>The <c>state</c> values of a history entry on the wire.</summary>
public static class StepStatesView
{
    public const string Applied = "applied";
    public const string Pending = "pending";
    public const string Late = "late";
    public const string Conflict = "conflict";
}
