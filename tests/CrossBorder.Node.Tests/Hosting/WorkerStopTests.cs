using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Workers;
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

    /// <summary>A worker started and running its first statement.</summary>
    private static async Task<StatementWorker> StartedAsync(NpgsqlDataSource dataSource, string sql)
    {
        var worker = new StatementWorker(dataSource, sql);
        await worker.StartAsync(CancellationToken.None);
        await worker.StatementStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return worker;
    }

    /// <summary>Runs one statement a round on the worker's own token, then waits for the next round on <c>Waits</c>.</summary>
    private sealed class StatementWorker(NpgsqlDataSource dataSource, string sql) : NodeWorker(NullLogger.Instance)
    {
        public TaskCompletionSource StatementStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? Outcome { get; private set; }
        public int Rounds { get; private set; }

        protected override string Name => "Statement worker (test)";

        protected override async Task RunAsync(CancellationToken ct)
        {
            while (true)
            {
                Rounds++;
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
                await Task.Delay(TimeSpan.FromHours(1), Waits);
            }
        }
    }
}
