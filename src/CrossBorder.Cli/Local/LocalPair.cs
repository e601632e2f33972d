using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Local;

/// <summary>
/// The local FR/GB pair that <c>crossborder up</c> runs: the node built in Release, a private PostgreSQL, generated
/// keys and secrets (kept across runs), both nodes supervised with their logs in files, and a state file for
/// <c>status</c> and <c>down</c>. Stops the nodes, then PostgreSQL, when the signal asks.
/// </summary>
public sealed class LocalPair(UpSettings settings, TextWriter output)
{
    /// <summary>What the command line of a running <c>up</c> contains (its program is <c>crossborder</c>).</summary>
    public const string UpCommandLineMark = "crossborder";

    private static readonly TimeSpan LeftoverStopGrace = TimeSpan.FromSeconds(10);

    private readonly List<NodeSupervisor> _nodes = [];
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly object _stateLock = new();

    private string ClientsFile => Path.Combine(settings.LocalDirectory, DevConfigFiles.DevClientsFileName);

    /// <summary>Runs until <paramref name="stop"/> is cancelled; throws if the pair cannot be started.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        await ClearEarlierRunAsync(stop);
        PortCheck.EnsureFree(settings.FrPort, "FR node", "--fr-port");
        PortCheck.EnsureFree(settings.GbPort, "GB node", "--gb-port");
        PortCheck.EnsureFree(settings.FrMetricsPort, "FR metrics", "--fr-metrics-port");
        PortCheck.EnsureFree(settings.GbMetricsPort, "GB metrics", "--gb-metrics-port");
        SaveState(UpState.Starting);

        LocalPostgres? postgres = null;
        var postgresStarting = false;
        try
        {
            if (settings.Build)
                await BuildAsync(stop);
            if (!File.Exists(settings.NodeAssembly))
                throw new FileNotFoundException($"the node is not built: {settings.NodeAssembly} is missing (run without --no-build)");

            await output.WriteLineAsync($"Starting PostgreSQL on 127.0.0.1:{settings.PgPort} (data in {settings.PostgresData})...");
            postgresStarting = true;
            postgres = await LocalPostgres.StartAsync(settings.PostgresData, settings.PgPort, stop);

            DevNode[] nodes =
            [
                DevNode.Prepare(settings.LocalDirectory, "FR", settings.FrPort),
                DevNode.Prepare(settings.LocalDirectory, "GB", settings.GbPort),
            ];
            foreach (var node in nodes)
            {
                await postgres.CreateDatabaseAsync(node.Database, stop);
                DevConfigFiles.WriteNodeConfig(node, nodes.Where(peer => peer != node), postgres.ConnectionString(node.Database));
            }

            DevConfigFiles.WriteDevClients(settings.LocalDirectory, nodes);
            foreach (var node in nodes)
                _nodes.Add(Supervisor(node, node.Country == "FR" ? settings.FrMetricsPort : settings.GbMetricsPort));

            await output.WriteLineAsync($"Starting the FR and GB nodes (logs in {settings.LogDirectory})...");
            var ready = _nodes.Select(node => node.StartAsync(stop)).ToList();
            SaveState(UpState.Starting);
            await Task.WhenAll(ready);

            foreach (var node in _nodes)
                node.Restarted += () => SaveState(UpState.Running);
            SaveState(UpState.Running);
            await output.WriteLineAsync(StatusTable());
            await Task.WhenAll(_nodes.Select(node => node.SuperviseAsync(stop)));
        }
        finally
        {
            SaveState(UpState.Stopping);
            if (_nodes.Count > 0)
            {
                await output.WriteLineAsync("Stopping the nodes...");
                await Task.WhenAll(_nodes.Select(node => node.StopAsync()));
                foreach (var node in _nodes)
                    await node.DisposeAsync();
            }

            if (postgresStarting)
            {
                await output.WriteLineAsync("Stopping PostgreSQL...");
                if (postgres is not null)
                    await postgres.StopAsync();
                else
                    await LocalPostgres.StopServerAsync(settings.PostgresData); // its start was interrupted, maybe after it began
            }

            UpState.Delete(settings.LocalDirectory);
            await output.WriteLineAsync("Stopped.");
        }
    }

    /// <summary>
    /// Stops what an <c>up</c> that is gone (killed, crashed) left running: its nodes by pid (SIGTERM, then a kill),
    /// and PostgreSQL when asked. Returns what it stopped, for the operator.
    /// </summary>
    public static async Task<List<string>> StopLeftoversAsync(UpState state, bool postgres)
    {
        var stopped = new List<string>();
        var running = state.Nodes.Where(node => ProcessProbe.IsRunning(node.Pid, NodeSupervisor.CommandLineMark)).ToList();
        foreach (var node in running)
            NativeSignals.Send(node.Pid, NativeSignals.SigTerm);
        foreach (var node in running)
        {
            if (!await ProcessProbe.WaitForExitAsync(node.Pid, NodeSupervisor.CommandLineMark, LeftoverStopGrace))
                NativeSignals.Send(node.Pid, NativeSignals.SigKill);
            stopped.Add($"the {node.Country} node (pid {node.Pid})");
        }

        if (postgres && LocalPostgres.RunningPort(state.PostgresData) is not null)
        {
            await LocalPostgres.StopServerAsync(state.PostgresData);
            stopped.Add($"PostgreSQL ({state.PostgresData})");
        }

        return stopped;
    }

    private NodeSupervisor Supervisor(DevNode node, int metricsPort)
    {
        var environment = new Dictionary<string, string>
        {
            // The node serves /metrics on a management port of its own, off the public API surface.
            ["Management__Port"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new NodeSupervisor(node, settings.NodeAssembly, Path.Combine(settings.LogDirectory, $"{node.Country.ToLowerInvariant()}.log"),
            $"http://127.0.0.1:{metricsPort}/metrics", environment, settings.ReadyTimeout, output);
    }

    private async Task ClearEarlierRunAsync(CancellationToken ct)
    {
        var earlier = UpState.Read(settings.LocalDirectory);
        if (earlier is null)
            return;
        if (earlier.Pid != Environment.ProcessId && ProcessProbe.IsRunning(earlier.Pid, UpCommandLineMark))
        {
            throw new InvalidOperationException(
                $"`crossborder up` already runs for {settings.LocalDirectory} (pid {earlier.Pid}): `crossborder status` shows it, `crossborder down` stops it");
        }

        ct.ThrowIfCancellationRequested();
        // PostgreSQL left running is reused as it is; nodes left running would hold the ports.
        foreach (var what in await StopLeftoversAsync(earlier, postgres: false))
            await output.WriteLineAsync($"note: stopped {what}, left running by an earlier `up` (pid {earlier.Pid}) that did not stop it");
        UpState.Delete(settings.LocalDirectory);
    }

    private async Task BuildAsync(CancellationToken ct)
    {
        await output.WriteLineAsync($"Building the node (Release, ReadyToRun) into {settings.BuildDirectory}...");
        var result = await ProcessRunner.RunAsync("dotnet", ReleasePublish.Arguments(settings.NodeProject, settings.BuildDirectory), ct, settings.Root);
        Directory.CreateDirectory(settings.LogDirectory);
        var log = Path.Combine(settings.LogDirectory, "build.log");
        await File.WriteAllTextAsync(log, result.StandardOutput + result.StandardError, CancellationToken.None);
        if (!result.Succeeded)
        {
            var tail = (result.StandardOutput + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(30);
            throw new InvalidOperationException(
                $"building the node failed (dotnet publish exit code {result.ExitCode}); {log} says:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}");
        }
    }

    private string StatusTable()
    {
        var rows = new List<string[]> { new[] { "node", "API", "metrics", "health" } };
        rows.AddRange(_nodes.Select(node => new[] { node.Country, node.Url, node.MetricsUrl, "ready" }));
        return string.Join(Environment.NewLine,
            "",
            "CrossBorder local pair is up (Release).",
            "",
            TextTable.Format(rows),
            "",
            $"PostgreSQL  127.0.0.1:{settings.PgPort} (data {settings.PostgresData})",
            $"clients     {ClientsFile}",
            $"logs        {settings.LogDirectory}",
            "Ctrl-C here or `crossborder down` stops everything; `crossborder status` shows health.",
            "");
    }

    private void SaveState(string phase)
    {
        lock (_stateLock)
        {
            new UpState(Environment.ProcessId, phase, _startedAt, settings.PgPort, settings.PostgresData, ClientsFile,
                settings.LogDirectory, _nodes.Select(node => node.State).ToList()).Write(settings.LocalDirectory);
        }
    }
}
