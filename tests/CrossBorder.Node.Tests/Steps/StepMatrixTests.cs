using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Lifecycle;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;
using static CrossBorder.Core.Lifecycle.ReferralStatus;

namespace CrossBorder.Node.Tests.Steps;

/// <summary>
/// Every status × step × side over two real nodes, against docs/domain.md's table written out here by hand
/// (not derived from the code under test). TACITLY_ACCEPTED and TRANSFER_EXPIRED are reached by the
/// clock and covered in DeadlineClockTests.
/// </summary>
public sealed class StepMatrixTests
{
    private static readonly (string Step, bool Accept)[] Steps =
    [
        ("information-request", true), ("information", true), ("decision", true), ("decision", false),
        ("reexamination-request", true), ("transfer-proposal", true), ("transfer-completion", true), ("withdrawal", true),
    ];

    /// <summary>How to reach each status from UNDER_EXAMINATION.</summary>
    private static readonly Dictionary<string, (string Step, bool Accept, string To)[]> Paths = new()
    {
        [UnderExamination] = [],
        [InformationRequested] = [("information-request", true, InformationRequested)],
        [Accepted] = [("decision", true, Accepted)],
        [Refused] = [("decision", false, Refused)],
        [ReexaminationRequested] = [("decision", false, Refused), ("reexamination-request", true, ReexaminationRequested)],
        [RefusedFinal] = [("decision", false, Refused), ("reexamination-request", true, ReexaminationRequested), ("decision", false, RefusedFinal)],
        [TransferPlanned] = [("decision", true, Accepted), ("transfer-proposal", true, TransferPlanned)],
        [Transferred] = [("decision", true, Accepted), ("transfer-proposal", true, TransferPlanned), ("transfer-completion", true, Transferred)],
        [Withdrawn] = [("withdrawal", true, Withdrawn)],
    };

    /// <summary>docs/domain.md "The case lifecycle": (status, step, outcome) → next status.</summary>
    private static readonly Dictionary<(string, string, bool), string> Allowed = new()
    {
        [(UnderExamination, "information-request", true)] = InformationRequested,
        [(UnderExamination, "decision", true)] = Accepted,
        [(UnderExamination, "decision", false)] = Refused,
        [(InformationRequested, "information", true)] = UnderExamination,
        [(Refused, "reexamination-request", true)] = ReexaminationRequested,
        [(ReexaminationRequested, "decision", true)] = Accepted,
        [(ReexaminationRequested, "decision", false)] = RefusedFinal,
        [(Accepted, "transfer-proposal", true)] = TransferPlanned,
        [(TransferPlanned, "transfer-completion", true)] = Transferred,
        [(UnderExamination, "withdrawal", true)] = Withdrawn,
        [(InformationRequested, "withdrawal", true)] = Withdrawn,
        [(Accepted, "withdrawal", true)] = Withdrawn,
        [(Refused, "withdrawal", true)] = Withdrawn,
        [(ReexaminationRequested, "withdrawal", true)] = Withdrawn,
        [(TransferPlanned, "withdrawal", true)] = Withdrawn,
    };

    private static readonly Dictionary<string, Side> TakenBy = new()
    {
        ["information-request"] = Side.Requested, ["information"] = Side.Requesting, ["decision"] = Side.Requested,
        ["reexamination-request"] = Side.Requesting, ["transfer-proposal"] = Side.Requesting,
        ["transfer-completion"] = Side.Requested, ["withdrawal"] = Side.Requesting,
    };

    private NodePair _pair = null!;
    private CaseDriver _cases = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _cases = await CaseDriver.CreateAsync(_pair);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    public static IEnumerable<string> Statuses => Paths.Keys;

    [TestCaseSource(nameof(Statuses))]
    public async Task EveryStep_FromStatus_AllowedOnesSucceedOnBothNodesOthersRefused(string status)
    {
        var id = await ReachAsync(status);
        foreach (var (step, accept) in Steps)
        {
            foreach (var side in new[] { Side.Requesting, Side.Requested })
            {
                var allowed = TakenBy[step] == side && Allowed.ContainsKey((status, step, accept));
                if (allowed) continue; // taken below on a fresh case, since it changes the status
                using var response = await _cases.StepAsync(_cases.Of(side), id, step, _cases.Body(step, accept));
                var text = await response.Content.ReadAsStringAsync();
                var expected = TakenBy[step] == side ? 409 : 403;
                Assert.That((int)response.StatusCode, Is.EqualTo(expected), $"{status} {side} {step}: {text}");
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
                var problem = JsonNode.Parse(text)!;
                Assert.That(problem["currentStatus"]!.GetValue<string>(), Is.EqualTo(status));
                Assert.That(problem["allowedSteps"], Is.Not.Null);
            }
        }
        var (fr, gb) = await _cases.AgreeAsync(id, status);
        Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)), "refused steps change nothing");

        foreach (var ((from, step, accept), next) in Allowed.Where(a => a.Key.Item1 == status))
        {
            var fresh = await ReachAsync(status);
            await _cases.TakeAsync(fresh, step, next, accept);
            var (a, b) = await _cases.AgreeAsync(fresh, next);
            Assert.That(CaseDriver.Agreement(b), Is.EqualTo(CaseDriver.Agreement(a)), $"{from} --{step}--> {next}");
        }
    }

    private async Task<string> ReachAsync(string status)
    {
        var id = await _cases.SubmitAsync();
        foreach (var (step, accept, to) in Paths[status])
            await _cases.TakeAsync(id, step, to, accept);
        return id;
    }
}
