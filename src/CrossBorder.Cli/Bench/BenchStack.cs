using System.Diagnostics;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// What <c>bench write</c> runs against, all on one machine: a private PostgreSQL under
/// <c>.local/bench-pg</c> with fresh databases, the FR and GB nodes (keys and config under
/// <c>.local/bench/</c>, apart from <c>up</c>'s) and the baseline app. Disposing stops the
/// processes, then PostgreSQL.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    public const string BaselineDatabase = "crossborder_bench_baseline";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(20);

    private static readonly Dictionary<string, string> QuietLogging = new()
    {
        ["Logging__LogLevel__Default"] = "Warning",
    };

    // The node's per-client rate limit (50/s by default) would otherwise be the only thing measured.
    private static readonly Dictionary<string, string> NodeEnvironment = new(QuietLogging)
    {
        ["RateLimit__PermitsPerSecond"] = "1000000",
        ["RateLimit__Burst"] = "1000000",
    };

    private readonly List<NodeProcess> _processes = [];

    private BenchStack(LocalPostgres postgres, DevNode fr, DevNode gb, string baselineUrl)
    {
        Postgres = postgres;
        Fr = fr;
        Gb = gb;
        BaselineUrl = baselineUrl;
    }

    public LocalPostgres Postgres { get; }

    public DevNode Fr { get; }

    public DevNode Gb { get; }

    public string BaselineUrl { get; }

    /// <summary>Running processes by label (FR, GB, baseline).</summary>
    public Dictionary<string, NodeProcess> Processes { get; } = [];

    /// <summary>Seconds from process start to the first 200 on <c>/health/ready</c>, by label.</summary>
    public Dictionary<string, double> ReadySeconds { get; } = [];

    public static async Task<BenchStack> StartAsync(BenchWriteOptions options, CancellationToken ct)
    {
        foreach (var (port, what, option) in new[] { (options.FrPort, "FR node", "--fr-port"), (options.GbPort, "GB node", "--gb-port"),
                     (options.BaselinePort, "baseline", "--baseline-port") })
        {
            PortCheck.EnsureFree(port, what, option);
        }

        var local = Path.Combine(options.Root, ".local");
        Console.WriteLine($"Starting PostgreSQL on 127.0.0.1:{options.PgPort} (data in {Path.Combine(local, "bench-pg")})...");
        var postgres = await LocalPostgres.StartAsync(Path.Combine(local, "bench-pg"), options.PgPort, options.UnsafePostgres, ct);
        var benchDirectory = Path.Combine(local, "bench");
        DevNode[] nodes;
        try
        {
            nodes = [DevNode.Prepare(benchDirectory, "FR", options.FrPort), DevNode.Prepare(benchDirectory, "GB", options.GbPort)];
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }

        var stack = new BenchStack(postgres, nodes[0], nodes[1], $"http://127.0.0.1:{options.BaselinePort}");
        try
        {
            foreach (var database in nodes.Select(n => n.Database).Append(BaselineDatabase))
            {
                await postgres.DropDatabaseAsync(database, ct);
                await postgres.CreateDatabaseAsync(database, ct);
            }

            foreach (var node in nodes)
            {
                DevConfigFiles.WriteNodeConfig(node, nodes.Where(peer => peer != node), postgres.ConnectionString(node.Database));
            }

            // One at a time, so each time to ready is the node's own, not a share of two cores.
            foreach (var node in nodes)
            {
                await stack.StartAsync(node.Country, () => NodeProcess.Start(node, options.Paths.NodeAssembly, NodeEnvironment), ct);
            }

            var baselineEnvironment = new Dictionary<string, string>(QuietLogging)
            {
                ["ConnectionStrings__Baseline"] = postgres.ConnectionString(BaselineDatabase),
            };
            await stack.StartAsync("baseline", () => NodeProcess.StartAssembly(
                "baseline", stack.BaselineUrl, options.Paths.BaselineAssembly, [], baselineEnvironment), ct);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_processes.Count > 0)
        {
            Console.WriteLine("Stopping the nodes and the baseline...");
        }

        await Task.WhenAll(_processes.Select(process => process.StopAsync(TimeSpan.FromSeconds(10))));
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
        Console.WriteLine("Stopping PostgreSQL...");
        await Postgres.DisposeAsync();
    }

    private async Task StartAsync(string label, Func<NodeProcess> start, CancellationToken ct)
    {
        Console.WriteLine($"Starting {label}...");
        var watch = Stopwatch.StartNew();
        var process = start();
        _processes.Add(process);
        Processes[label] = process;
        await process.WaitUntilReadyAsync(ReadyTimeout, ct, ReadyPoll);
        ReadySeconds[label] = watch.Elapsed.TotalSeconds;
    }
}
