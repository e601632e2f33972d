using CrossBorder.Cli.Local;
using CrossBorder.Node.Hosting;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Hosting;

/// <summary>
/// The node process runs socket completions inline (<see cref="SocketCompletions"/>), which the runtime shows in its
/// socket event threads: one per core with the setting, one for up to 30 cores without. An operator's own value stands.
/// The node runs as its own process here, as deployed: the setting is the process's, read once at its first socket.
/// </summary>
public sealed class SocketCompletionsTests
{
    [Test]
    public async Task TheNodeProcess_RunsSocketCompletionsOnOneEventThreadPerCore_UnlessTheOperatorSaysOtherwise()
    {
        Assume.That(Environment.ProcessorCount, Is.GreaterThan(1), "with one core both modes have one event thread");
        await using var pair = await NodePair.UnstartedAsync();
        var (fr, gb) = (pair.Fr, pair.Gb);

        // Empty, as unset: a test run may set the variable itself (tests/inline-sockets.runsettings), and the child inherits it.
        Assert.That(await EventThreadsAsync(fr, operatorValue: ""), Is.EqualTo(Environment.ProcessorCount),
            "inline by default: one socket event thread per core");
        Assert.That(await EventThreadsAsync(fr, operatorValue: "0"), Is.EqualTo(1), "the operator turned it off: the runtime's one thread");
    }

    /// <summary>
    /// The in-process nodes of this test run run as the node process does (tests/inline-sockets.runsettings, named by the
    /// project): a synchronous wait on I/O in node code hangs a test here, not a deployment.
    /// </summary>
    [Test]
    public void TheTestRun_RunsSocketCompletionsInline_AsTheNodeProcessDoes() =>
        Assert.That(Environment.GetEnvironmentVariable(SocketCompletions.Variable), Is.EqualTo("1"),
            "the test project's run settings set it before the test host starts");

    private static async Task<int> EventThreadsAsync(TestNode node, string operatorValue)
    {
        var environment = node.Environment(c => c["Logging:LogLevel:Default"] = "Warning");
        environment[SocketCompletions.Variable] = operatorValue;
        await using var process = NodeProcess.StartAssembly(node.Country, node.Url.AbsoluteUri.TrimEnd('/'),
            Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.dll"), [], environment);
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        // Thread names as the kernel keeps them (15 characters): the runtime names its event threads ".NET Sockets".
        return Directory.EnumerateDirectories($"/proc/{process.ProcessId}/task")
            .Count(task => File.Exists(Path.Combine(task, "comm")) && ReadOrEmpty(Path.Combine(task, "comm")).Trim() == ".NET Sockets");
    }

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; } // the thread ended meanwhile
    }
}
