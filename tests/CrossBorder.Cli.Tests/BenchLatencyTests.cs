using System.Diagnostics;
using CrossBorder.Cli.Bench;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// <c>bench write</c>'s open loop prints the p99 of each second's requests beside the phase's: a p99 made by a few
/// moments of queueing (a background burst) reads differently from one the whole phase shares.
/// </summary>
public sealed class BenchLatencyTests
{
    [Test]
    public void P99ByWindow_PutsEachRequestInTheSecondItWasScheduledIn()
    {
        var recorder = new LatencyRecorder();
        var origin = 1_000_000L;
        var second = Stopwatch.Frequency;
        long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);
        // Second 0: a hundred quick requests; second 1: the same, but two of them queued 80 ms; second 2: one request.
        for (var i = 0; i < 100; i++)
            recorder.Record(origin + i * second / 100, origin + i * second / 100 + Ms(5), succeeded: true);
        for (var i = 0; i < 100; i++)
            recorder.Record(origin + second + i * second / 100, origin + second + i * second / 100 + Ms(i < 2 ? 80 : 5), succeeded: true);
        recorder.Record(origin + 2 * second, origin + 2 * second + Ms(7), succeeded: false, "503");

        var p99 = recorder.P99ByWindow(origin, TimeSpan.FromSeconds(1));

        Assert.That(p99, Has.Count.EqualTo(3));
        Assert.That(p99[0], Is.EqualTo(5).Within(0.01));
        Assert.That(p99[1], Is.EqualTo(80).Within(0.01), "the second with the queued requests");
        Assert.That(p99[2], Is.EqualTo(7).Within(0.01), "a failed request's time counts as the phase's does");
    }

    [Test]
    public void TheLoadGenerator_DoesNotSpinIdleThreadPoolWorkers()
    {
        // It shares the machine's cores with the systems it measures (crossborder.runtimeconfig.json, from its csproj).
        var path = Path.Combine(Path.GetDirectoryName(typeof(LatencyRecorder).Assembly.Location)!, "crossborder.runtimeconfig.json");
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.That(properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32(), Is.Zero);
    }
}
