using System.CommandLine;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder up</c>: the local FR/GB pair on one machine (<see cref="LocalPair"/>), until Ctrl-C, SIGINT,
/// SIGTERM or <c>crossborder down</c>; a requested stop exits 0.
/// </summary>
public sealed class UpCommand : CliCommand
{
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<string?> _localDir = CliOptions.LocalDir();
    private readonly Option<int> _frPort = CliOptions.Port("--fr-port", 5101, "FR node's API port on 127.0.0.1");
    private readonly Option<int> _gbPort = CliOptions.Port("--gb-port", 5102, "GB node's API port on 127.0.0.1");
    private readonly Option<int> _pgPort = CliOptions.Port("--pg-port", 55432, "PostgreSQL's port on 127.0.0.1");
    private readonly Option<int> _frMetricsPort = CliOptions.Port("--fr-metrics-port", 9101, "FR node's management port (/metrics)");
    private readonly Option<int> _gbMetricsPort = CliOptions.Port("--gb-metrics-port", 9102, "GB node's management port (/metrics)");
    private readonly Option<int> _readyTimeout = CliOptions.PositiveInt("--ready-timeout", 120, "seconds to wait for GET /health/ready on each node", "s");
    private readonly Option<bool> _noBuild = new("--no-build") { Description = "run the node as last built by `up` instead of building it (Release) first" };

    public UpCommand()
        : base("up", "run the local FR/GB pair with a private PostgreSQL, until Ctrl-C, SIGTERM or `down`", """
            Builds the node in Release, starts a private PostgreSQL and both nodes, prints one status table (the nodes' output goes to
            <local dir>/logs/), restarts a node that dies (back-off from 1 s to 30 s, announced), and on a stop request stops
            the nodes, then PostgreSQL, and exits 0. Everything generated lives in <local dir> (git-ignored): pg/ (the
            database cluster), FR/ and GB/ (signing key, jwks.json, secrets, node.json), dev-clients.json (the client
            credentials), logs/, build/ and up.json (what `status` and `down` read).
            """)
    {
        foreach (Option option in new Option[] { _root, _localDir, _frPort, _gbPort, _pgPort, _frMetricsPort, _gbMetricsPort, _readyTimeout, _noBuild })
            Add(option);
        CliOptions.RequireDistinct(this, _frPort, _gbPort, _pgPort, _frMetricsPort, _gbMetricsPort);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = new UpSettings(
            Root: CliOptions.ResolveRoot(parse, _root),
            LocalDirectory: CliOptions.ResolveLocalDir(parse, _localDir, _root),
            FrPort: parse.GetValue(_frPort),
            GbPort: parse.GetValue(_gbPort),
            PgPort: parse.GetValue(_pgPort),
            FrMetricsPort: parse.GetValue(_frMetricsPort),
            GbMetricsPort: parse.GetValue(_gbMetricsPort),
            ReadyTimeout: TimeSpan.FromSeconds(parse.GetValue(_readyTimeout)),
            Build: !parse.GetValue(_noBuild));

        using var signal = new ShutdownSignal(Error);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, signal.Token);
        try
        {
            await new LocalPair(settings, Output).RunAsync(stop.Token);
            return ExitCodes.Ok;
        }
        catch (Exception) when (signal.IsRequested)
        {
            // A stop during the start: whatever failed, failed because it was being stopped; everything is stopped now.
            return ExitCodes.Ok;
        }
    }
}
