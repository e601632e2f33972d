namespace CrossBorder.Cli.Bench;

/// <summary>What one load phase measured against one system.</summary>
/// <param name="FirstFailure">The first non-2xx status or exception, to tell a rate limiter from a crash.</param>
public sealed record PhaseResult(
    string System, int Succeeded, int Failed, TimeSpan Elapsed, double P50Ms, double P99Ms, double MaxMs, string? FirstFailure)
{
    /// <summary>Successful requests per second of wall time.</summary>
    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Succeeded / Elapsed.TotalSeconds : 0;

    /// <summary>The open loop's p99 of each second's requests (by scheduled time), in ms; empty for a closed loop.</summary>
    public IReadOnlyList<double> P99BySecond { get; init; } = [];
}
