using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CrossBorder.Core.Lifecycle;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Steps;

/// <summary>Many cases through random legal paths: both nodes end agreeing on every case.</summary>
public sealed class RandomizedAgreementTests
{
    private const int Cases = 200;

    [Test]
    public async Task RandomLegalPaths_200Cases_BothNodesAgreeOnStatusHistoryAndDeadlines()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var seed = Environment.GetEnvironmentVariable("CROSSBORDER_SEED") is { } s ? int.Parse(s) : Random.Shared.Next();
        TestContext.Out.WriteLine($"seed {seed} (set CROSSBORDER_SEED to replay)");
        var ids = new ConcurrentBag<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, Cases), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) =>
        {
            var random = new Random(seed + n);
            var id = await cases.SubmitAsync(urgent: random.Next(4) == 0);
            ids.Add(id);
            var status = ReferralStatus.UnderExamination;
            for (var i = 0; i < 8 && !ReferralStatus.IsClosed(status); i++)
            {
                var side = random.Next(2) == 0 ? Side.Requesting : Side.Requested;
                var options = LifecycleRules.Allowed(status, side)
                    .Where(step => step != "withdrawal" || random.Next(6) == 0).ToList();
                if (options.Count == 0) continue;
                var step = options[random.Next(options.Count)];
                var accept = random.Next(2) == 0;
                var next = LifecycleRules.Next(status, step, accept)!;
                await cases.TakeAsync(id, step, next, accept);
                status = next;
            }
        });

        Assert.That(ids, Has.Count.EqualTo(Cases));
        foreach (var id in ids)
        {
            var fr = await NodePair.GetJsonAsync(cases.Fr, $"api/v1/referrals/{id}");
            var gb = await NodePair.GetJsonAsync(cases.Gb, $"api/v1/referrals/{id}");
            Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)), $"case {id}");
            Assert.That(fr["hasConflict"]!.GetValue<bool>() || gb["hasConflict"]!.GetValue<bool>(), Is.False);
        }
    }
}
