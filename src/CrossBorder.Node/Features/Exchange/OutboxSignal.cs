namespace CrossBorder.Node.Features.Exchange;

/// <summary>Wakes the dispatcher as soon as new outgoing work is committed, here or on another replica.</summary>
public sealed class OutboxSignal
{
    public const string Channel = "crossborder_outbox";
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // already signalled: one wake-up covers all pending work
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
