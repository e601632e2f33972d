using System.Net;
using System.Net.Sockets;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder up</c>: the local FR/GB pair on one machine. A private PostgreSQL under
/// <c>.local/pg</c>, generated keys and secrets under <c>.local/</c> (kept across runs), the
/// node built once and run twice as child processes; Ctrl-C stops nodes, then PostgreSQL.
/// </summary>
public sealed class UpCommand : ICliCommand
{
    private static readonly TimeSpan NodeStopGrace = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Words { get; } = ["up"];

    public string Summary => "run the local FR/GB node pair with a private PostgreSQL (Ctrl-C stops all)";

    public string Usage => """
        Usage: crossborder up [options]

          --root <dir>           repository root (default: nearest folder upwards with CrossBorder.sln)
          --fr-port <port>       FR node port on 127.0.0.1 (default 5101)
          --gb-port <port>       GB node port on 127.0.0.1 (default 5102)
          --pg-port <port>       PostgreSQL port on 127.0.0.1 (default 55432)
          --ready-timeout <s>    seconds to wait for GET /health/ready on each node (default 120)
          --no-build             run the node as last built instead of building it first

        Everything generated lives in <root>/.local/ (git-ignored): pg/ (the database cluster),
        FR/ and GB/ (signing key, jwks.json, secrets, node.json) and dev-clients.json.

        """;

    public async Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var rootOption = arguments.GetString("root");
        var options = new UpOptions(
            Root: rootOption is null ? RepositoryRoot.Find(Directory.GetCurrentDirectory()) : Path.GetFullPath(rootOption),
            FrPort: arguments.GetPort("fr-port", 5101),
            GbPort: arguments.GetPort("gb-port", 5102),
            PgPort: arguments.GetPort("pg-port", 55432),
            ReadyTimeout: TimeSpan.FromSeconds(arguments.GetPositiveInt("ready-timeout", 120)),
            Build: !arguments.GetFlag("no-build"));
        arguments.EnsureAllRead();
        if (new[] { options.FrPort, options.GbPort, options.PgPort }.Distinct().Count() != 3)
        {
            throw new UsageException("--fr-port, --gb-port and --pg-port must be three different ports");
        }

        using var signal = new ShutdownSignal();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, signal.Token);
        try
        {
            return await RunPairAsync(options, signal, linked.Token);
        }
        catch (Exception) when (signal.IsRequested)
        {
            // Ctrl-C mid-start: whatever failed failed because we were stopping it; cleanup already ran.
            Console.WriteLine("stopped.");
            return ExitCodes.Ok;
        }
    }

    private static async Task<int> RunPairAsync(UpOptions options, ShutdownSignal signal, CancellationToken ct)
    {
        var localDirectory = Path.Combine(options.Root, ".local");
        var nodeProject = Path.Combine(options.Root, "src", "CrossBorder.Node");
        var nodeAssembly = Path.Combine(nodeProject, "bin", "Debug", "net10.0", "CrossBorder.Node.dll");
        EnsurePortFree(options.FrPort, "FR node");
        EnsurePortFree(options.GbPort, "GB node");

        Console.WriteLine($"Starting PostgreSQL on 127.0.0.1:{options.PgPort} (data in {Path.Combine(localDirectory, "pg")})...");
        await using var postgres = await LocalPostgres.StartAsync(Path.Combine(localDirectory, "pg"), options.PgPort, ct);

        DevNode[] nodes = [DevNode.Prepare(localDirectory, "FR", options.FrPort), DevNode.Prepare(localDirectory, "GB", options.GbPort)];
        foreach (var node in nodes)
        {
            await postgres.CreateDatabaseAsync(node.Database, ct);
            DevConfigFiles.WriteNodeConfig(node, nodes.Where(peer => peer != node), postgres.ConnectionString(node.Database));
        }

        var devClientsPath = DevConfigFiles.WriteDevClients(localDirectory, nodes);

        if (options.Build)
        {
            Console.WriteLine($"Building {nodeProject} (Debug)...");
            var exitCode = await ProcessRunner.RunAttachedAsync("dotnet", ["build", nodeProject, "-c", "Debug", "--nologo"], ct);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"building the node failed (dotnet build exit code {exitCode})");
            }
        }

        if (!File.Exists(nodeAssembly))
        {
            throw new FileNotFoundException($"the node is not built: {nodeAssembly} is missing (run without --no-build)");
        }

        var running = new List<NodeProcess>();
        try
        {
            foreach (var node in nodes)
            {
                Console.WriteLine($"Starting the {node.Country} node on {node.Url}...");
                running.Add(NodeProcess.Start(node, nodeAssembly));
            }

            await Task.WhenAll(running.Select(process => process.WaitUntilReadyAsync(options.ReadyTimeout, ct)));
            PrintReady(nodes, options.PgPort, devClientsPath);
            return await WaitForStopOrCrashAsync(running, signal);
        }
        finally
        {
            await Task.WhenAll(running.Select(process => process.StopAsync(NodeStopGrace)));
            foreach (var process in running)
            {
                await process.DisposeAsync();
            }

            Console.WriteLine("Stopping PostgreSQL...");
        }
    }

    private static async Task<int> WaitForStopOrCrashAsync(IReadOnlyList<NodeProcess> running, ShutdownSignal signal)
    {
        var stopRequested = Task.Delay(Timeout.Infinite, signal.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        var first = await Task.WhenAny(running.Select(process => process.Exited).Append(stopRequested));
        if (first != stopRequested)
        {
            // Ctrl-C in a terminal reaches the nodes too, which may exit a moment before our own
            // handler runs; that is a requested stop, not a crash.
            await Task.WhenAny(stopRequested, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        if (signal.IsRequested)
        {
            Console.WriteLine("Stopping the nodes...");
            return ExitCodes.Ok;
        }

        var crashed = running.First(process => process.Exited.IsCompleted);
        await Console.Error.WriteLineAsync(
            $"the {crashed.Country} node exited unexpectedly with code {crashed.ExitCode}; stopping everything");
        return ExitCodes.Failure;
    }

    private static void PrintReady(IReadOnlyList<DevNode> nodes, int pgPort, string devClientsPath)
    {
        var first = nodes[0];
        Console.WriteLine();
        Console.WriteLine("CrossBorder local pair is ready.");
        foreach (var node in nodes)
        {
            Console.WriteLine($"  {node.Country}  {node.Url}   Swagger UI: {node.Url}/swagger");
        }

        Console.WriteLine($"  PostgreSQL: 127.0.0.1:{pgPort} (user postgres, databases {string.Join(", ", nodes.Select(n => n.Database))})");
        Console.WriteLine($"  Client credentials: {devClientsPath}");
        Console.WriteLine($"  Get a {first.Country} ministry token:");
        Console.WriteLine(
            $"    curl -s -d grant_type=client_credentials -d client_id={first.MinistryClientId} " +
            $"-d client_secret={first.Secrets.MinistryClientSecret} -d scope=\"{string.Join(' ', DevNode.MinistryScopes)}\" " +
            $"{first.Url}/connect/token");
        Console.WriteLine("Press Ctrl-C to stop.");
        Console.WriteLine();
    }

    private static void EnsurePortFree(int port, string what)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException)
        {
            throw new InvalidOperationException($"port {port} for the {what} is already in use on 127.0.0.1 (another `crossborder up`?); pick another with its --*-port option");
        }
    }
}
