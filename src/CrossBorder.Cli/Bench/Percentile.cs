using System.Diagnostics;

namespace CrossBorder.Cli.Bench;

public static class Percentile
{
    /// <summary>Nearest-rank percentile of sorted Stopwatch ticks, in milliseconds (0 when empty).</summary>
    public static double Milliseconds(IReadOnlyList<long> sortedTicks, double quantile)
    {
        if (sortedTicks.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(quantile * sortedTicks.Count);
        return sortedTicks[Math.Clamp(rank - 1, 0, sortedTicks.Count - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
