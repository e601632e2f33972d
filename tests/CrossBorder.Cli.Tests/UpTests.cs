using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Local;
using CrossBorder.Cli.Tests.Infrastructure;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// <c>crossborder up</c>, <c>status</c> and <c>down</c> as an operator runs them: real processes (the CLI, both nodes built
/// in Release, PostgreSQL), in a folder and on ports of their own so a developer's running <c>up</c> is not touched.
/// <c>up</c> is started three times: once for start, status, restart and SIGINT; once for SIGTERM; once for <c>down</c>.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class UpTests
{
    /// <summary>The first start builds the node in Release, on a machine busy with the other test projects.</summary>
    private static readonly TimeSpan FirstStart = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Start = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Stop = TimeSpan.FromMinutes(2);

    private readonly string _root = RepositoryRoot.Find(AppContext.BaseDirectory);
    private string _folder = "";
    private string _local = "";
    private string[] _ports = [];
    private CliProcess? _up;

    [OneTimeSetUp]
    public void CreateFolderAndPorts()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"crossborder-up-test-{Environment.ProcessId}");
        _local = Path.Combine(_folder, "local");
        var ports = new HashSet<int>();
        while (ports.Count < 5)
            ports.Add(LocalPostgres.FindFreePort());
        _ports = ports.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    [OneTimeTearDown]
    public async Task StopWhateverRunsAsync()
    {
        if (_up is not null)
            await _up.DisposeAsync();
        if (UpState.Read(_local) is { } state)
            await LocalPair.StopLeftoversAsync(state, postgres: true);
        else if (Directory.Exists(Path.Combine(_local, "pg")))
            await LocalPostgres.StopServerAsync(Path.Combine(_local, "pg"));
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private string FrUrl => $"http://127.0.0.1:{_ports[0]}";
    private string GbUrl => $"http://127.0.0.1:{_ports[1]}";
    private string FrMetrics => $"http://127.0.0.1:{_ports[3]}/metrics";
    private string GbMetrics => $"http://127.0.0.1:{_ports[4]}/metrics";

    [Test]
    [Order(1)]
    public async Task Up_FirstStart_BuildsReleaseAndPrintsOneStatusTableInsteadOfTheNodesLogs()
    {
        _up = await StartUpAsync(build: true, sigIntIgnored: true, FirstStart);

        var output = _up.Output;
        var logs = Path.Combine(_local, "logs");
        var nodeLogs = string.Join('\n', File.ReadAllText(Path.Combine(logs, "fr.log")), File.ReadAllText(Path.Combine(logs, "gb.log")));
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("Building the node (Release, ReadyToRun)"));
            Assert.That(AssemblyConfiguration(Path.Combine(_local, "build", "node", "CrossBorder.Node.dll")), Is.EqualTo("Release"));
            Assert.That(IsReadyToRun(Path.Combine(_local, "build", "node", "CrossBorder.Node.dll")), Is.True,
                "precompiled, so the node does not JIT its start-up (ready < 3 s)");
            Assert.That(Line(output, "FR "), Does.Contain(FrUrl).And.Contain(FrMetrics).And.EndsWith("ready"));
            Assert.That(Line(output, "GB "), Does.Contain(GbUrl).And.Contain(GbMetrics).And.EndsWith("ready"));
            Assert.That(output, Does.Contain(Path.Combine(_local, "dev-clients.json")));
            Assert.That(output, Does.Not.Contain("fail:").IgnoreCase, "a normal first start reports no failure");
            Assert.That(output, Does.Not.Contain("Now listening"), "the nodes' logs go to files, not to the console");
            Assert.That(nodeLogs, Does.Contain("Now listening on: " + FrUrl).And.Contain("Now listening on: " + GbUrl));
            Assert.That(nodeLogs, Does.Not.Contain("\"LogLevel\":\"Error\"").And.Not.Contain("\"LogLevel\":\"Critical\"").And.Not.Contain("fail:"),
                "a normal first start logs no failure");
            Assert.That(nodeLogs, Does.Not.Contain("Microsoft.EntityFrameworkCore.Database.Command"), "SQL commands are logged at Warning only");
        });
    }

    [Test]
    [Order(2)]
    public async Task Status_PairRunning_ExitsOkWithHealthUrlsAndDatabase_AndASecondUpIsRefused()
    {
        Assume.That(_up, Is.Not.Null, "up runs");
        var (exit, output) = await StatusAsync();

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output);
            Assert.That(Line(output, "FR "), Does.Contain(FrUrl).And.Contain(FrMetrics).And.Contain("ready"));
            Assert.That(Line(output, "GB "), Does.Contain(GbUrl).And.Contain(GbMetrics).And.Contain("ready"));
            Assert.That(Line(output, "PostgreSQL"), Does.Contain($"running on 127.0.0.1:{_ports[2]}"));
            Assert.That(Line(output, "up "), Does.Contain($"running (pid {_up!.Pid}"));
        });

        await using var second = CliProcess.Start(UpArguments(build: false));
        Assert.That(await second.WaitForExitAsync(Start), Is.EqualTo(ExitCodes.Failure));
        Assert.That(second.Output, Does.Contain("already runs"));
    }

    [Test]
    [Order(3)]
    public async Task Up_NodeKilled_RestartsItAndSaysSo()
    {
        Assume.That(_up, Is.Not.Null, "up runs");
        var killed = UpState.Read(_local)!.Nodes.Single(n => n.Country == "FR").Pid;

        System.Diagnostics.Process.GetProcessById(killed).Kill();

        await _up!.WaitForLineAsync(l => l.Contains("FR node exited") && l.Contains("restarting it in"), Start, "up announces the restart");
        await _up.WaitForLineAsync(l => l.Contains("FR node restarted and ready"), Start, "the FR node comes back");
        var (exit, output) = await StatusAsync();
        var fr = UpState.Read(_local)!.Nodes.Single(n => n.Country == "FR");
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output);
            Assert.That(fr.Pid, Is.Not.EqualTo(killed));
            Assert.That(fr.Restarts, Is.EqualTo(1));
            Assert.That(Line(output, "FR "), Does.Contain("ready (restarted 1x)"));
        });
    }

    [Test]
    [Order(4)]
    public async Task Up_SigIntWhileStartedInTheBackground_StopsNodesThenPostgresAndExitsOk()
    {
        Assume.That(_up, Is.Not.Null, "up runs");
        await StopAndAssertNothingLeftAsync(_up!, () => Signal(_up!, NativeSignals.SigInt), "SIGINT");
    }

    [Test]
    [Order(5)]
    public async Task Up_SigTerm_StopsNodesThenPostgresAndExitsOk()
    {
        await using var up = await StartUpAsync(build: !File.Exists(Path.Combine(_local, "build", "node", "CrossBorder.Node.dll")),
            sigIntIgnored: false, Start);
        await StopAndAssertNothingLeftAsync(up, () => Signal(up, NativeSignals.SigTerm), "SIGTERM");
    }

    [Test]
    [Order(6)]
    public async Task Down_FromAnotherShell_StopsUpAndEverythingItRuns()
    {
        await using var up = await StartUpAsync(build: !File.Exists(Path.Combine(_local, "build", "node", "CrossBorder.Node.dll")),
            sigIntIgnored: false, Start);
        await StopAndAssertNothingLeftAsync(up, async () =>
        {
            // `down` returns once `up` has stopped everything.
            await using var down = CliProcess.Start(["down", "--local-dir", _local]);
            Assert.That(await down.WaitForExitAsync(Stop), Is.EqualTo(ExitCodes.Ok), down.Output);
            Assert.That(down.Output, Does.Contain($"Stopping `crossborder up` (pid {up.Pid})").And.Contain("Stopped."));
            // `down` saw the process gone; this test's own exit notification for it can trail by a moment (CI saw it).
            Assert.That(await Task.WhenAny(up.Exited, Task.Delay(TimeSpan.FromSeconds(5))), Is.SameAs(up.Exited), "up has exited when down returns");
        }, "SIGTERM");

        var (status, output) = await StatusAsync();
        Assert.That(status, Is.EqualTo(ExitCodes.NotRunning), output);
    }

    private static Task Signal(CliProcess up, int signal)
    {
        Assert.That(NativeSignals.Send(up.Pid, signal), Is.True);
        return Task.CompletedTask;
    }

    private async Task StopAndAssertNothingLeftAsync(CliProcess up, Func<Task> stop, string signal)
    {
        var state = UpState.Read(_local)!;
        var postmaster = int.Parse(File.ReadLines(Path.Combine(_local, "pg", "postmaster.pid")).First());
        Assert.That(ProcessProbe.IsRunning(postmaster, "postgres"), Is.True, "PostgreSQL runs before the stop");

        await stop();

        Assert.That(await up.WaitForExitAsync(Stop), Is.EqualTo(ExitCodes.Ok), up.Output);
        var output = up.Output;
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain($"{signal}: stopping"));
            Assert.That(output.IndexOf("Stopping the nodes", StringComparison.Ordinal),
                Is.GreaterThan(-1).And.LessThan(output.IndexOf("Stopping PostgreSQL", StringComparison.Ordinal)), "nodes first, then PostgreSQL");
            Assert.That(state.Nodes.Where(n => ProcessProbe.IsRunning(n.Pid, NodeSupervisor.CommandLineMark)), Is.Empty, "no node left");
            Assert.That(ProcessProbe.IsRunning(postmaster, "postgres"), Is.False, "PostgreSQL stopped");
            Assert.That(LocalProcesses.Mentioning(_local), Is.Empty, "nothing of this pair left running");
            Assert.That(File.Exists(UpState.PathIn(_local)), Is.False, "the state file is gone");
        });
    }

    private async Task<CliProcess> StartUpAsync(bool build, bool sigIntIgnored, TimeSpan timeout)
    {
        var up = CliProcess.Start(UpArguments(build), sigIntIgnored);
        try
        {
            await up.WaitForLineAsync(l => l.StartsWith("Ctrl-C here", StringComparison.Ordinal), timeout, "up prints its status table");
            return up;
        }
        catch
        {
            await up.DisposeAsync();
            throw;
        }
    }

    private string[] UpArguments(bool build) =>
    [
        "up", "--root", _root, "--local-dir", _local,
        "--fr-port", _ports[0], "--gb-port", _ports[1], "--pg-port", _ports[2], "--fr-metrics-port", _ports[3], "--gb-metrics-port", _ports[4],
        .. build ? Array.Empty<string>() : ["--no-build"],
    ];

    private async Task<(int Exit, string Output)> StatusAsync()
    {
        var output = new StringWriter();
        var exit = await CliApp.InvokeAsync(["status", "--local-dir", _local], output, output);
        return (exit, output.ToString());
    }

    private static string Line(string output, string start) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal)) ?? $"(no line starting '{start}')";

    /// <summary>Whether the assembly carries ReadyToRun code: its CLI header points to a managed native (ReadyToRun) header.</summary>
    private static bool IsReadyToRun(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>The build configuration an assembly was compiled in (its AssemblyConfigurationAttribute), read from its metadata.</summary>
    private static string? AssemblyConfiguration(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
                continue;
            var constructor = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (constructor.Parent.Kind != HandleKind.TypeReference
                || metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)constructor.Parent).Name) != nameof(AssemblyConfigurationAttribute))
                continue;
            var value = metadata.GetBlobReader(attribute.Value);
            value.ReadUInt16(); // the custom attribute blob's prolog
            return value.ReadSerializedString();
        }

        return null;
    }
}
