using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// Issue 10: many cases in which both sides act at once (steps cross), deliveries are delayed, one node is down a
/// while, the shared clock jumps across deadlines and GB's clock runs ahead of FR's. Both nodes end with 0
/// divergences in status, step history and due dates. A failing run prints its seed (CROSSBORDER_SEED replays it;
/// CROSSBORDER_AGREEMENT_CASES sets the case count).
/// </summary>
public sealed class RandomizedAgreementTests
{
    [Test]
    public async Task RandomConcurrentSteps_OutagesClockJumpsAndOffset_ZeroDivergences()
    {
        var count = Environment.GetEnvironmentVariable("CROSSBORDER_AGREEMENT_CASES") is { } c ? int.Parse(c) : 1000;
        var seed = Environment.GetEnvironmentVariable("CROSSBORDER_SEED") is { } s ? int.Parse(s) : Random.Shared.Next();
        TestContext.Out.WriteLine($"seed {seed}, {count} cases (set CROSSBORDER_SEED to replay)");
        await using var pair = await NodePair.StartAsync();
        pair.Gb.Clock.Advance(TimeSpan.FromSeconds(90)); // the two nodes' clocks differ
        var cases = await CaseDriver.CreateAsync(pair);
        var ids = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, _) =>
            ids.Add(await cases.SubmitAsync(urgent: new Random(seed + n).Next(4) == 0)));

        var random = new Random(seed);
        var days = new[] { 3, 10, 16, 25, 20, 40 };
        for (var round = 0; round < days.Length; round++)
        {
            var down = round == 1 ? pair.Fr : round == 3 ? pair.Gb : null;
            if (down is not null) await down.StopAsync();
            var roundSeed = random.Next();
            await Parallel.ForEachAsync(ids.Select((id, i) => (id, i)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (x, _) =>
            {
                var r = new Random(roundSeed + x.i);
                await Task.WhenAll(
                    down == pair.Fr ? Task.CompletedTask : ActAsync(cases, cases.Fr, x.id, new Random(r.Next())),
                    down == pair.Gb ? Task.CompletedTask : ActAsync(cases, cases.Gb, x.id, new Random(r.Next())));
            });
            if (down is not null) await down.StartAsync();
            // Deliveries delayed by the outage land before the clock jumps (a message older than MaxMessageAge is refused).
            await NodePair.EventuallyAsync(async () => await InFlightAsync(pair.Fr) + await InFlightAsync(pair.Gb), n => n == 0,
                TimeSpan.FromSeconds(60), $"deliveries drained (seed {seed})");
            await cases.AdvanceAsync(TimeSpan.FromDays(days[round]) + TimeSpan.FromMinutes(random.Next(0, 600)));
        }

        // Both clocks stopped at one instant; then wait until both nodes have settled everything due before it.
        var end = pair.Clock.GetUtcNow().AddMinutes(5);
        pair.Fr.Clock.Freeze(end);
        pair.Gb.Clock.Freeze(end);
        await cases.AdvanceAsync(TimeSpan.Zero);
        await NodePair.EventuallyAsync(async () => await UnsettledAsync(pair.Fr, end) + await UnsettledAsync(pair.Gb, end), n => n == 0,
            TimeSpan.FromSeconds(120), $"both nodes settled (seed {seed})");

        var divergent = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var fr = await NodePair.GetJsonAsync(cases.Fr, $"api/v1/referrals/{id}");
            var gb = await NodePair.GetJsonAsync(cases.Gb, $"api/v1/referrals/{id}");
            if (CaseDriver.Agreement(fr) != CaseDriver.Agreement(gb))
                divergent.Add($"{id}\n  FR {CaseDriver.Agreement(fr)}\n  GB {CaseDriver.Agreement(gb)}");
        });
        Assert.That(divergent, Is.Empty, $"seed {seed}: {divergent.Count} divergent case(s)\n{string.Join("\n", divergent.Take(3))}");
    }

    /// <summary>Takes one random step the node allows now (often none); refusals (409, 412, 400) are part of the game.</summary>
    private static async Task ActAsync(CaseDriver cases, HttpClient client, string id, Random r)
    {
        if (r.Next(10) < 4) return;
        using var read = await client.GetAsync($"api/v1/referrals/{id}");
        if (!read.IsSuccessStatusCode) return;
        var view = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;
        var allowed = view["allowedSteps"]!.AsArray().Select(a => a!.GetValue<string>())
            .Where(step => step != Lifecycle.Withdrawal || r.Next(8) == 0).ToList();
        if (allowed.Count == 0) return;
        var step = allowed[r.Next(allowed.Count)];
        using var response = await cases.StepAsync(client, id, step, cases.Body(step, r.Next(2) == 0), read.Headers.ETag!.ToString());
    }

    private static async Task<int> InFlightAsync(TestNode node)
    {
        await using var scope = node.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<NodeDbContext>().Messages
            .CountAsync(m => m.Direction == Directions.Outgoing && m.State != MessageStates.Delivered);
    }

    private static async Task<int> UnsettledAsync(TestNode node, DateTimeOffset end)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
        return await db.Messages.CountAsync(m => m.Direction == Directions.Outgoing && m.State != MessageStates.Delivered)
            + await db.Referrals.CountAsync(r => r.PendingMessageId != null || r.LapseDueAt < end)
            + await db.Steps.CountAsync(s => s.State == StepStates.Held || s.State == StepStates.Pending);
    }
}
