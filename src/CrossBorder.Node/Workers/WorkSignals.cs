using System.Diagnostics;

namespace CrossBorder.Node.Workers;

/// <summary>What a committed transaction left for the background workers of this replica.</summary>
[Flags]
public enum Work
{
    None = 0,
    Outbox = 1,
    Feed = 2,
}

/// <summary>
/// In-process wake-ups, fired by <see cref="Data.WakeOnCommitInterceptor"/> after a commit that queued work.
/// Other replicas find the same work by polling; nothing here is needed for correctness, only for latency.
/// </summary>
public sealed class WorkSignals
{
    public WorkSignal Outbox { get; } = new();
    public WorkSignal Feed { get; } = new();

    public void Wake(Work work)
    {
        if (work.HasFlag(Work.Outbox)) Outbox.Notify();
        if (work.HasFlag(Work.Feed)) Feed.Notify();
    }
}

/// <summary>A coalescing wake-up: any number of notifications before a wait count as one.</summary>
public sealed class WorkSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // Already signalled (the common case under load: a commit per request): one wake-up covers all pending work.
        // Checked first because a full semaphore's Release throws, and an exception per commit cost ~1% of a node's CPU.
        if (_signal.CurrentCount > 0)
            return;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // signalled by another commit since the check
    }

    /// <summary>Waits for a notification or the timeout; false on timeout.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    /// <summary>
    /// As <see cref="WaitAsync"/>, then, when notified, on until <paramref name="spacing"/> has passed since the
    /// worker's last round began (<paramref name="lastRound"/>, a <see cref="Stopwatch"/> timestamp), so one round serves
    /// every commit of that window instead of a round each. A notification after a quiet spell is served at once.
    /// Real time, as the timeout: a pace, not a deadline.
    /// </summary>
    public async Task<bool> WaitSpacedAsync(TimeSpan timeout, long lastRound, TimeSpan spacing, CancellationToken ct)
    {
        if (!await _signal.WaitAsync(timeout, ct))
            return false;
        // A timer may fire a fraction of a millisecond early: whole milliseconds, until the spacing has passed.
        for (var left = spacing - Stopwatch.GetElapsedTime(lastRound); left > TimeSpan.Zero; left = spacing - Stopwatch.GetElapsedTime(lastRound))
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), ct);
        return true;
    }
}
