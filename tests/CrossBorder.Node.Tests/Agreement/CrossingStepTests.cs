using System.Text.Json.Nodes;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;
using static CrossBorder.Core.Lifecycle.ReferralStatus;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// Issue 10: every pair of steps that can cross in the lifecycle table (both allowed from one status, one per side).
/// Each is made to cross for real: FR takes its step while GB is down, FR goes down, GB takes its step, both come
/// back. The requesting state's node had its own step in flight when GB's arrived, so on its clock FR's step came
/// first: it wins on both nodes, and GB's is stored on both as a conflict (docs/agreement.md).
/// </summary>
public sealed class CrossingStepTests
{
    private static readonly (string Status, string Requesting, string Requested, bool Accept)[] Pairs =
    [
        (UnderExamination, Lifecycle.Withdrawal, Lifecycle.InformationRequest, true),
        (UnderExamination, Lifecycle.Withdrawal, Lifecycle.Decision, true),
        (UnderExamination, Lifecycle.Withdrawal, Lifecycle.Decision, false),
        (ReexaminationRequested, Lifecycle.Withdrawal, Lifecycle.Decision, true),
        (ReexaminationRequested, Lifecycle.Withdrawal, Lifecycle.Decision, false),
        (TransferPlanned, Lifecycle.Withdrawal, Lifecycle.TransferCompletion, true),
    ];

    [Test]
    public void Pairs_AreEveryCrossingPairOfTheLifecycleTable()
    {
        var crossing = ReferralStatus.All.SelectMany(status =>
                from a in Lifecycle.Allowed(status, Side.Requesting)
                from b in Lifecycle.Allowed(status, Side.Requested)
                from accept in b == Lifecycle.Decision ? new[] { true, false } : [true]
                select (status, a, b, accept))
            .ToList();
        Assert.That(Pairs, Is.EquivalentTo(crossing));
    }

    [Test]
    public async Task EveryCrossingPair_RequestingStepWins_LoserIsAConflictOnBothNodes()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var ids = new List<string>();
        foreach (var (status, _, _, _) in Pairs)
            ids.Add(await ReachAsync(cases, status));

        await pair.Gb.StopAsync();
        foreach (var (id, (_, step, _, _)) in ids.Zip(Pairs))
            await TakeAsync(cases, cases.Fr, id, step, true);
        await pair.Fr.StopAsync();
        await pair.Gb.StartAsync();
        foreach (var (id, (_, _, step, accept)) in ids.Zip(Pairs))
            await TakeAsync(cases, cases.Gb, id, step, accept);
        await pair.Fr.StartAsync();
        await cases.AdvanceAsync(TimeSpan.Zero);

        foreach (var (id, (status, won, lost, _)) in ids.Zip(Pairs))
        {
            var (fr, gb) = await cases.AgreeAsync(id, Withdrawn);
            Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)), $"{status}: {won} x {lost}");
            foreach (var view in new[] { fr, gb })
            {
                var history = view["history"]!.AsArray();
                var winner = history[^2]!;
                var loser = history[^1]!;
                Assert.Multiple(() =>
                {
                    Assert.That(view["hasConflict"]!.GetValue<bool>(), Is.True);
                    Assert.That((winner["step"]!.GetValue<string>(), winner["state"]!.GetValue<string>()), Is.EqualTo((won, StepStatesView.Applied)));
                    Assert.That((loser["step"]!.GetValue<string>(), loser["state"]!.GetValue<string>(), loser["conflict"]!.GetValue<bool>()),
                        Is.EqualTo((lost, StepStatesView.Conflict, true)));
                    Assert.That(loser["fromStatus"]!.GetValue<string>(), Is.EqualTo(Withdrawn));
                });
            }
        }
        foreach (var client in new[] { cases.Fr, cases.Gb })
        {
            static List<string> Conflicts(JsonArray items) => items.Where(e => e!["type"]!.GetValue<string>() == "step.conflict")
                .Select(e => e!["referralId"]!.GetValue<string>()).ToList();
            var feed = await NodePair.FeedEventuallyAsync(client, items => Conflicts(items).Count >= ids.Count,
                because: "every conflict is sequenced onto the feed");
            Assert.That(Conflicts(feed), Is.EquivalentTo(ids), "one conflict event per case on each node's feed");
        }
    }

    private static async Task<string> ReachAsync(CaseDriver cases, string status)
    {
        var id = await cases.SubmitAsync();
        if (status == ReexaminationRequested)
        {
            await cases.TakeAsync(id, Lifecycle.Decision, Refused, accept: false);
            await cases.TakeAsync(id, Lifecycle.ReexaminationRequest, ReexaminationRequested);
        }
        else if (status == TransferPlanned)
        {
            await cases.TakeAsync(id, Lifecycle.Decision, Accepted);
            await cases.TakeAsync(id, Lifecycle.TransferProposal, TransferPlanned);
        }
        return id;
    }

    private static async Task TakeAsync(CaseDriver cases, HttpClient client, string id, string step, bool accept)
    {
        using var response = await cases.StepAsync(client, id, step, cases.Body(step, accept));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        Assert.That(JsonNode.Parse(text)!["delivery"]!["state"]!.GetValue<string>(), Is.Not.EqualTo("delivered"));
    }
}
