using System.CommandLine;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder status</c>: what a running <c>up</c> runs (from its state file), each node's health asked now,
/// and PostgreSQL. Exit 0 when everything is up and ready, 3 otherwise.
/// </summary>
public sealed class StatusCommand : CliCommand
{
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<string?> _localDir = CliOptions.LocalDir();

    public StatusCommand()
        : base("status", "show whether the local pair of `up` runs: nodes, health, URLs, PostgreSQL", """
            Exit code 0 when `up`, both nodes (ready) and PostgreSQL run; 3 when anything is not.
            """)
    {
        Add(_root);
        Add(_localDir);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var local = CliOptions.ResolveLocalDir(parse, _localDir, _root);
        var state = UpState.Read(local);
        if (state is null)
        {
            await Output.WriteLineAsync($"The local pair is not running (no {UpState.PathIn(local)}).");
            return ExitCodes.NotRunning;
        }

        var upRunning = ProcessProbe.IsRunning(state.Pid, LocalPair.UpCommandLineMark);
        var rows = new List<string[]> { new[] { "node", "pid", "API", "metrics", "health" } };
        var allReady = true;
        foreach (var node in state.Nodes)
        {
            var health = await NodeHealth.ReadAsync(node.Url, ct);
            allReady &= health == NodeHealth.Ready;
            var restarts = node.Restarts > 0 ? $" (restarted {node.Restarts}x)" : "";
            rows.Add([node.Country, ProcessProbe.IsRunning(node.Pid, NodeSupervisor.CommandLineMark) ? $"{node.Pid}" : "-", node.Url, node.MetricsUrl, health + restarts]);
        }

        var postgresPort = LocalPostgres.RunningPort(state.PostgresData);
        await Output.WriteLineAsync(upRunning
            ? $"up          {state.Phase} (pid {state.Pid}, since {state.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss})"
            : $"up          not running (pid {state.Pid} is gone without stopping what it ran; `crossborder down` stops the rest)");
        await Output.WriteLineAsync(postgresPort is { } port
            ? $"PostgreSQL  running on 127.0.0.1:{port} (data {state.PostgresData})"
            : $"PostgreSQL  not running (data {state.PostgresData})");
        await Output.WriteLineAsync($"clients     {state.ClientsFile}");
        await Output.WriteLineAsync($"logs        {state.LogDirectory}");
        if (state.Nodes.Count > 0)
        {
            await Output.WriteLineAsync();
            await Output.WriteLineAsync(TextTable.Format(rows));
        }

        var allUp = upRunning && state.Phase == UpState.Running && postgresPort is not null && state.Nodes.Count > 0 && allReady;
        return allUp ? ExitCodes.Ok : ExitCodes.NotRunning;
    }
}
