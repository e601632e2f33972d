using System.Diagnostics;

namespace CrossBorder.Node.Workers;

/// <summary>
/// A background loop that never stops the node. <see cref="RunAsync"/> holds the worker's own loop and
/// isolates failures per item; anything that still escapes it (a lost database, a bug) is logged by type
/// only (exception text may quote data) and the loop starts again after a capped, growing back-off.
/// Only the host's shutdown ends a worker.
/// <para>
/// Stopping takes two steps. First the worker's waits end (<see cref="Waits"/>: a poll, a timer, a back-off) and
/// its loop ends at its next wait, the statements it has in flight running to their end; only a worker still running
/// after <see cref="DrainTimeout"/> has its token cancelled. A statement cancelled mid-flight makes Npgsql send
/// PostgreSQL a cancel request with synchronous I/O inside the token's callback, while the socket event thread reading
/// the statement's answer waits for that callback; with socket completions inline (Hosting/SocketCompletions) the two
/// could wait on each other until the connection timeout (15 s; seen in stacks of nodes stopping in the tests). The
/// same rule for requests: Http/UnitsRunToTheEnd.
/// </para>
/// </summary>
public abstract class NodeWorker(ILogger logger) : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);

    /// <summary>How long a stopping worker may take to reach its next wait before its statements are cancelled.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopWaiting = new();
    private long _drainEnds; // a Stopwatch timestamp, set when stopping begins

    /// <summary>
    /// The token a worker's waits take (polls, timers, back-offs): it fires as soon as the node begins to stop, whereas the
    /// token <see cref="RunAsync"/> is given, which its statements take, fires only after <see cref="DrainTimeout"/>.
    /// </summary>
    protected CancellationToken Waits => _stopWaiting.Token;

    /// <summary>Whether a loop over batches should end before its next one: the node is stopping, or the caller gave up.</summary>
    protected bool Stopping(CancellationToken ct) => ct.IsCancellationRequested || Waits.IsCancellationRequested;

    /// <summary>
    /// The host's first step of stopping, for every service before any of them stops (<see cref="IHostedLifecycleService"/>):
    /// every worker's waits end at once, so none runs more rounds while another one's turn to stop comes.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        return _stopWaiting.CancelAsync();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await StoppingAsync(cancellationToken); // for a host that did not call it (a test's own start and stop); the window counts from the first call
        if (ExecuteTask is { IsCompleted: false } running)
        {
            // The drain is one window for every worker, from the host's first step: the host stops them one after another,
            // and a window each would add up (two workers waiting on a silent peer took 10 s).
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Interlocked.Read(ref _drainEnds));
            // Busy beyond the drain (its token is cancelled next), or failed (BackgroundService.StopAsync meets that).
            try { await running.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken); }
            catch (Exception) { }
        }
        await base.StopAsync(cancellationToken);
    }

    private void BeginDrain() =>
        Interlocked.CompareExchange(ref _drainEnds, Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency), 0);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Name used in logs and metrics.</summary>
    protected abstract string Name { get; }

    /// <summary>The worker's loop; returns or throws only when it must be restarted.</summary>
    protected abstract Task RunAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken ct)
    {
        var backoff = FirstBackoff;
        await Task.Yield(); // never block host start
        // The waits end when the worker's own token is cancelled too (a host disposed without stopping).
        await using var _ = ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), _stopWaiting);
        while (!Waits.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            try
            {
                await RunAsync(ct);
            }
            catch (OperationCanceledException) when (Waits.IsCancellationRequested)
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
            try { await Task.Delay(backoff, Waits); }
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
        } while (await timer.WaitForNextTickAsync(Waits).ConfigureAwait(false));
    }

    /// <summary>PostgreSQL's error code, which names the class of failure without quoting any data.</summary>
    public static string SqlState(Exception e) => e switch
    {
        Npgsql.PostgresException p => $", SQLSTATE {p.SqlState}",
        { InnerException: { } inner } => SqlState(inner),
        _ => "",
    };
}
