using System.Diagnostics;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Latencies and failures of one phase, in Stopwatch ticks. Thread-safe (a lock: uncontended when
/// each closed-loop worker has its own, cheap next to an HTTP round trip when the open loop shares one).
/// </summary>
public sealed class LatencyRecorder
{
    private readonly Lock _lock = new();
    private readonly List<long> _ticks = new(capacity: 16_384);
    private readonly List<long> _starts = new(capacity: 16_384);
    private int _succeeded;
    private int _failed;
    private string? _firstFailure;

    public void Record(long startTimestamp, long endTimestamp, bool succeeded, string? failure = null)
    {
        lock (_lock)
        {
            _ticks.Add(endTimestamp - startTimestamp);
            _starts.Add(startTimestamp);
            if (succeeded)
            {
                _succeeded++;
            }
            else
            {
                _failed++;
                _firstFailure ??= failure;
            }
        }
    }

    /// <summary>
    /// The p99 of the requests started in each <paramref name="window"/> from <paramref name="origin"/> (a Stopwatch
    /// timestamp), in ms: where a phase's p99 comes from, a steady latency or a few moments of queueing.
    /// </summary>
    public IReadOnlyList<double> P99ByWindow(long origin, TimeSpan window)
    {
        var byWindow = new SortedDictionary<long, List<long>>();
        var windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            for (var i = 0; i < _ticks.Count; i++)
            {
                var index = Math.Max(0, (_starts[i] - origin) / windowTicks);
                if (!byWindow.TryGetValue(index, out var list))
                    byWindow[index] = list = [];
                list.Add(_ticks[i]);
            }
        }
        return byWindow.Values.Select(list =>
        {
            list.Sort();
            return Percentile.Milliseconds(list, 0.99);
        }).ToList();
    }

    /// <summary>Merges <paramref name="recorders"/> into one result over <paramref name="elapsed"/> of wall time.</summary>
    public static PhaseResult Summarize(string system, TimeSpan elapsed, IEnumerable<LatencyRecorder> recorders)
    {
        var ticks = new List<long>();
        int succeeded = 0, failed = 0;
        string? firstFailure = null;
        foreach (var recorder in recorders)
        {
            lock (recorder._lock)
            {
                ticks.AddRange(recorder._ticks);
                succeeded += recorder._succeeded;
                failed += recorder._failed;
                firstFailure ??= recorder._firstFailure;
            }
        }

        ticks.Sort();
        return new PhaseResult(
            system,
            succeeded,
            failed,
            elapsed,
            Percentile.Milliseconds(ticks, 0.50),
            Percentile.Milliseconds(ticks, 0.99),
            ticks.Count == 0 ? 0 : ticks[^1] * 1000.0 / Stopwatch.Frequency,
            firstFailure);
    }
}
