using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CrossBorder.Node.Tests.Hosting;

/// <summary>
/// A stopping node ends its workers' waits at once and lets the statements they have in flight run to their end
/// (<see cref="NodeWorker"/>): a statement cancelled mid-flight has Npgsql send a cancel request with synchronous I/O
/// inside the token's callback, which with socket completions inline could hold a socket event thread up to the
/// connection timeout. Only a worker still busy after <see cref="NodeWorker.DrainTimeout"/> has its token cancelled.
/// </summary>
public sealed class WorkerStopTests
{
    [Test]
    public async Task Stop_WhileAStatementRuns_TheStatementEnds_ThenTheWorkerStopsAtItsWait()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("stop"));
        using var worker = await StartedAsync(dataSource, "SELECT pg_sleep(1.5)");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await worker.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(worker.Outcome, Is.EqualTo("completed"), "the statement in flight was not cancelled");
            Assert.That(worker.Rounds, Is.EqualTo(1), "the worker stopped at its next wait, starting no other statement");
            Assert.That(stopping.Elapsed, Is.LessThan(NodeWorker.DrainTimeout), "it stopped when the statement ended, not at the drain's end");
        });
    }

    [Test]
    public async Task Stop_WhileAStatementOutlastsTheDrain_ItsTokenIsCancelledAfterTheDrain()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("stop"));
        using var worker = await StartedAsync(dataSource, "SELECT pg_sleep(60)");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await worker.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(worker.Outcome, Is.EqualTo("cancelled"), "a worker busy beyond the drain is cancelled");
            Assert.That(stopping.Elapsed, Is.GreaterThanOrEqualTo(NodeWorker.DrainTimeout - TimeSpan.FromMilliseconds(50)),
                "not before the drain's end");
            Assert.That(stopping.Elapsed, Is.LessThan(NodeWorker.DrainTimeout + TimeSpan.FromSeconds(20)), "and soon after it");
        });
    }

    /// <summary>
    /// The host stops its services one after another; were a worker's waits to end only at its own turn, the workers still
    /// waiting for theirs would go on starting rounds (and the last of nine could stop up to 9 × the drain later).
    /// </summary>
    [Test]
    public async Task AHostStopping_EndsEveryWorkersRoundsAtOnce_NotEachAtItsOwnTurn()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("stop"));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // The host stops the last registered first: its longer statement keeps the others waiting for their turn meanwhile.
        var workers = new[] { 0.2, 0.2, 1.0 }
            .Select(seconds => new StatementWorker(dataSource, FormattableString.Invariant($"SELECT pg_sleep({seconds})"), pause: TimeSpan.Zero)).ToArray();
        foreach (var worker in workers)
            builder.Services.AddSingleton<IHostedService>(worker); // not AddHostedService: it keeps one per type
        using var host = builder.Build();
        await host.StartAsync();
        await Task.WhenAll(workers.Select(w => w.StatementStarted.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        // Marked once the host has begun to stop: after every worker's StoppingAsync, before the first StopAsync.
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            foreach (var worker in workers)
                worker.StopBegun = true;
        });

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync();
        Assert.Multiple(() =>
        {
            Assert.That(workers.Select(w => w.RoundsAfterStopBegun), Is.All.EqualTo(0), "no worker started a round once the host began to stop");
            Assert.That(workers.Select(w => w.Outcome), Is.All.EqualTo("completed"), "the statements in flight ran to their end");
            Assert.That(stopping.Elapsed, Is.LessThan(NodeWorker.DrainTimeout), "every worker stopped when its statement ended");
        });
    }

    /// <summary>
    /// The drain is one window for all workers, from the host's first step of stopping: the host stops them one after
    /// another, and a window each would add up (two workers waiting on a silent peer made a node take 10 s to stop).
    /// </summary>
    [Test]
    public async Task AHostStopping_GivesAllItsBusyWorkersOneDrainWindow_NotOneEach()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var workers = Enumerable.Range(0, 3).Select(_ => new HangingWorker()).ToArray();
        foreach (var worker in workers)
            builder.Services.AddSingleton<IHostedService>(worker);
        using var host = builder.Build();
        await host.StartAsync();
        await Task.WhenAll(workers.Select(w => w.Hanging.Task)).WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync();
        Assert.Multiple(() =>
        {
            Assert.That(workers.Select(w => w.Cancelled), Is.All.True, "each was cancelled after the drain");
            Assert.That(stopping.Elapsed, Is.LessThan(NodeWorker.DrainTimeout + TimeSpan.FromSeconds(2)), "one window for all three");
        });
    }

    /// <summary>Waits for something that never comes (a peer that does not answer) on the worker's own token.</summary>
    private sealed class HangingWorker() : NodeWorker(NullLogger.Instance)
    {
        public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Cancelled { get; private set; }

        protected override string Name => "Hanging worker (test)";

        protected override async Task RunAsync(CancellationToken ct)
        {
            Hanging.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { Cancelled = true; throw; }
        }
    }

    /// <summary>A worker started and running its first statement.</summary>
    private static async Task<StatementWorker> StartedAsync(NpgsqlDataSource dataSource, string sql)
    {
        var worker = new StatementWorker(dataSource, sql);
        await worker.StartAsync(CancellationToken.None);
        await worker.StatementStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return worker;
    }

    /// <summary>Runs one statement a round on the worker's own token, then waits for the next round on <c>Waits</c>.</summary>
    private sealed class StatementWorker(NpgsqlDataSource dataSource, string sql, TimeSpan? pause = null) : NodeWorker(NullLogger.Instance)
    {
        public volatile bool StopBegun;
        public int RoundsAfterStopBegun { get; private set; }
        public TaskCompletionSource StatementStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? Outcome { get; private set; }
        public int Rounds { get; private set; }

        protected override string Name => "Statement worker (test)";

        protected override async Task RunAsync(CancellationToken ct)
        {
            while (true)
            {
                Rounds++;
                if (StopBegun) RoundsAfterStopBegun++;
                await using var command = dataSource.CreateCommand(sql);
                var running = command.ExecuteNonQueryAsync(ct);
                StatementStarted.TrySetResult();
                try
                {
                    await running;
                    Outcome = "completed";
                }
                catch (Exception e) when (e is OperationCanceledException || e.InnerException is OperationCanceledException)
                {
                    Outcome = "cancelled";
                    throw;
                }
                await Task.Delay(pause ?? TimeSpan.FromHours(1), Waits);
            }
        }
    }
}
