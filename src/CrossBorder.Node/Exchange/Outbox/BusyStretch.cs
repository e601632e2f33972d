using System.Diagnostics;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// How long the ministries' writes have kept a replica busy, for <see cref="OutboxDispatcher"/>'s deferral. A load that
/// pauses now and then (a bulk import sending batches) is one stretch: only a pause of <see cref="Gap"/> ends it, so a
/// deferral bounded per stretch is bounded for such a load too. Not thread-safe: the claim loop's own.
/// </summary>
internal sealed class BusyStretch
{
    /// <summary>A pause of the writes shorter than this does not end a stretch.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromSeconds(5);

    private long? _since, _lastBusy;

    /// <summary>Whether to defer now: the writes keep the replica busy, and their stretch began less than the bound ago.</summary>
    /// <param name="busy"><see cref="Http.WriteLimiter.Busy"/> now.</param>
    /// <param name="now">A <see cref="Stopwatch"/> timestamp.</param>
    /// <param name="max"><see cref="ExchangeOptions.MaxBusyDeferral"/>.</param>
    public bool Deferring(bool busy, long now, TimeSpan max)
    {
        if (!busy)
        {
            if (_lastBusy is { } last && Stopwatch.GetElapsedTime(last, now) >= Gap)
                _since = null;
            return false;
        }
        _lastBusy = now;
        _since ??= now;
        return Stopwatch.GetElapsedTime(_since.Value, now) < max;
    }
}
