namespace CrossBorder.Node.Workers;

/// <summary>
/// A background loop that never stops the node. <see cref="RunAsync"/> holds the worker's own loop and
/// isolates failures per item; anything that still escapes it (a lost database, a bug) is logged by type
/// only (exception text may quote data) and the loop starts again after a capped, growing back-off.
/// Only the host's shutdown ends a worker.
/// </summary>
public abstract class NodeWorker(ILogger logger) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);

    /// <summary>Name used in logs and metrics.</summary>
    protected abstract string Name { get; }

    /// <summary>The worker's loop; returns or throws only when it must be restarted.</summary>
    protected abstract Task RunAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken ct)
    {
        var backoff = FirstBackoff;
        await Task.Yield(); // never block host start
        while (!ct.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            try
            {
                await RunAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("{Worker} failed ({Error}{State}); restarting in {Delay} ms", Name, e.GetType().Name,
                    SqlState(e), (int)backoff.TotalMilliseconds);
            }
            // A loop that ran a good while before failing starts again quickly; one that keeps failing backs off.
            if (DateTime.UtcNow - started > MaxBackoff) backoff = FirstBackoff;
            try { await Task.Delay(backoff, ct); }
            catch (OperationCanceledException) { return; }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private long _passes;

    /// <summary>Passes of an <see cref="EveryAsync"/> loop completed since start (a test awaits a replica's start-up pass).</summary>
    internal long Passes => Interlocked.Read(ref _passes);

    /// <summary>Runs <paramref name="tick"/> at once, then every <paramref name="interval"/>, until the node stops.</summary>
    protected async Task EveryAsync(TimeSpan interval, Func<CancellationToken, Task> tick, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            await tick(ct);
            Interlocked.Increment(ref _passes);
        } while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
    }

    /// <summary>PostgreSQL's error code, which names the class of failure without quoting any data.</summary>
    public static string SqlState(Exception e) => e switch
    {
        Npgsql.PostgresException p => $", SQLSTATE {p.SqlState}",
        { InnerException: { } inner } => SqlState(inner),
        _ => "",
    };
}
