using System.Diagnostics;
using CrossBorder.Cli.Bench;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// <c>bench write</c>'s CPU per create: read from <c>/proc</c> (the process's own time grows with the work it does, a
/// server's tree counts its children), and reported per successful request for the server, PostgreSQL and the peer.
/// </summary>
public sealed class BenchCpuTests
{
    [Test]
    public void ProcessCpu_GrowsWithTheWorkTheProcessDoes()
    {
        Assume.That(OperatingSystem.IsLinux(), "read from /proc");
        var before = ProcessCpu.Of(Environment.ProcessId)!.Value;

        // Spin until the process's own time has grown (the machine may be busy: wall time says little), or give up.
        var x = 0UL;
        var limit = Stopwatch.StartNew();
        while (ProcessCpu.Of(Environment.ProcessId)!.Value - before < TimeSpan.FromMilliseconds(200) && limit.Elapsed < TimeSpan.FromSeconds(30))
            for (var i = 0; i < 1_000_000; i++)
                x = x * 6364136223846793005UL + 1442695040888963407UL;

        Assert.That(ProcessCpu.Of(Environment.ProcessId)!.Value - before, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(200)), $"spun ({x % 2})");
        Assert.That(ProcessCpu.OfTree(Environment.ProcessId), Is.GreaterThanOrEqualTo(ProcessCpu.Of(Environment.ProcessId)!.Value), "a tree counts its root");
        Assert.That(ProcessCpu.Of(int.MaxValue), Is.Null, "no such process");
    }

    [Test]
    public void ProcessCpuOfTree_CountsALiveChildsTime()
    {
        Assume.That(OperatingSystem.IsLinux(), "read from /proc");
        var own = ProcessCpu.Of(Environment.ProcessId)!.Value;
        var treeBefore = ProcessCpu.OfTree(Environment.ProcessId)!.Value;
        using var child = Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!;
        try
        {
            var limit = Stopwatch.StartNew();
            while ((ProcessCpu.Of(child.Id) ?? TimeSpan.Zero) < TimeSpan.FromMilliseconds(300) && limit.Elapsed < TimeSpan.FromSeconds(30))
                Thread.Yield();
            var childTime = ProcessCpu.Of(child.Id)!.Value;
            var grown = ProcessCpu.OfTree(Environment.ProcessId)!.Value - treeBefore;
            var ownGrowth = ProcessCpu.Of(Environment.ProcessId)!.Value - own;

            Assert.That(childTime, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300)), "the child spun");
            Assert.That(grown - ownGrowth, Is.GreaterThanOrEqualTo(childTime - TimeSpan.FromMilliseconds(20)), "the child's time is in the tree");
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Test]
    public void Report_CpuPerCreate_IsEachProcesssTimeOverTheSuccessfulRequests()
    {
        var report = new BenchReport(new BenchWriteOptions(".", 5, 2, 15, 32, 200, 5000, 2, false, false, 1, 2, 3, 4));
        var phase = new PhaseResult("node", Succeeded: 1000, Failed: 3, TimeSpan.FromSeconds(1), 10, 20, 30, null);
        var before = new Dictionary<string, TimeSpan> { ["FR"] = TimeSpan.FromSeconds(1), [BenchReport.Postgres] = TimeSpan.Zero, ["GB"] = TimeSpan.Zero };
        var after = new Dictionary<string, TimeSpan>
        {
            ["FR"] = TimeSpan.FromSeconds(1.7), [BenchReport.Postgres] = TimeSpan.FromSeconds(0.5), ["GB"] = TimeSpan.FromSeconds(0.1),
            ["baseline"] = TimeSpan.FromSeconds(9), // not this phase's server: not counted
        };

        report.AddCpu(2, phase, before, after);
        var output = new StringWriter();
        report.Print(output);

        var lines = output.ToString().Split('\n');
        Assert.That(lines, Has.Some.Matches(@"^\s*2\s+node\s+700\s+500\s+100\s+1300\s*$"), output.ToString());
        Assert.That(lines, Has.Some.Contains("\"figure\":\"cpu_per_create\"").And.Contains("\"system\":\"node: total\"").And.Contains("\"value\":1300"));
    }

    [Test]
    public void Report_CpuPerExchange_IsEachProcesssTimeFromTheFirstCreateToTheLastReceipt_OverTheExchanges()
    {
        var report = new BenchReport(new BenchWriteOptions(".", 5, 2, 15, 32, 200, 5000, 2, false, false, 1, 2, 3, 4));
        var result = new EndToEndResult(Exchanges: 2000, FailedCreates: 0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), ReceivedAtPeer: 2000);
        var before = new Dictionary<string, TimeSpan> { ["FR"] = TimeSpan.Zero, ["GB"] = TimeSpan.FromSeconds(1), [BenchReport.Postgres] = TimeSpan.Zero };
        var after = new Dictionary<string, TimeSpan> { ["FR"] = TimeSpan.FromSeconds(3), ["GB"] = TimeSpan.FromSeconds(3), [BenchReport.Postgres] = TimeSpan.FromSeconds(5) };

        report.AddEndToEnd(result);
        report.AddEndToEndCpu(result, before, after);
        var output = new StringWriter();
        report.Print(output);

        Assert.That(output.ToString(), Does.Contain("CPU per exchange (/proc, µs): FR 1500, GB 1000, PostgreSQL 2500, total 5000"));
        Assert.That(output.ToString(), Does.Contain("\"figure\":\"e2e_cpu_per_exchange\",\"system\":\"total\",\"value\":5000"));
    }
}
