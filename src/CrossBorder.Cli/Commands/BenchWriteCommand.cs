using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder bench write</c> (issue 9): the node's create beside a minimal ASP.NET Core + EF Core
/// insert of the same body, A/B/A/B on one PostgreSQL; latency at a fixed rate; end-to-end
/// exchanges/s; idle memory and time to ready. Everything it starts, it stops.
/// </summary>
public sealed class BenchWriteCommand : CliCommand
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan NoProgressTimeout = TimeSpan.FromSeconds(30);

    private readonly Option<int> _seconds = CliOptions.PositiveInt("--seconds", 15, "length of each measured phase", "s");
    private readonly Option<int> _warmup = CliOptions.PositiveInt("--warmup", 3, "unmeasured load before each closed-loop phase", "s");
    private readonly Option<int> _warmupRound = CliOptions.PositiveInt("--warmup-round", 15,
        "unmeasured closed-loop load of each system once after start, before round 1 (the JIT's tier-up)", "s");
    private readonly Option<int> _concurrency = CliOptions.PositiveInt("--concurrency", 32, "closed-loop workers");
    private readonly Option<int> _rate = CliOptions.PositiveInt("--rate", 200, "open-loop requests per second for the latency phase");
    private readonly Option<int> _exchanges = CliOptions.PositiveInt("--exchanges", 5000, "referrals created at FR for the end-to-end figure");
    private readonly Option<int> _idle = CliOptions.PositiveInt("--idle", 5, "idle time before each memory reading", "s");
    private readonly Option<bool> _noBuild = new("--no-build") { Description = "run the published Release (ReadyToRun) builds as they are instead of publishing them first" };
    private readonly Option<bool> _unsafePg = new("--unsafe-pg") { Description = "PostgreSQL without fsync/synchronous commit (default: durable settings)" };
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<int> _pgPort = CliOptions.Port("--pg-port", 55442, "private PostgreSQL (data in .local/bench-pg)");
    private readonly Option<int> _baselinePort = CliOptions.Port("--baseline-port", 5200, "the baseline app's port on 127.0.0.1");
    private readonly Option<int> _frPort = CliOptions.Port("--fr-port", 5201, "the FR node's port on 127.0.0.1");
    private readonly Option<int> _gbPort = CliOptions.Port("--gb-port", 5202, "the GB node's port on 127.0.0.1");

    public BenchWriteCommand()
        : base("bench write", "write-path benchmark: node create vs a minimal EF Core insert, end to end, memory, start", """
            Builds the node and bench/CrossBorder.Bench.Baseline in Release, starts a private PostgreSQL with fresh databases,
            the FR and GB nodes (rate limit lifted, logs at Warning; keys under .local/bench/) and the baseline, then measures:
            time to ready; idle RSS; create throughput closed loop baseline, node, baseline, node; p50/p99 at a fixed rate;
            end-to-end exchanges/s (creates at FR until FR holds GB's receipt for each); idle RSS after the load. Prints a
            table, the issue's targets, then one JSON line per figure. Run the CLI itself in Release:
              dotnet run -c Release --project src/CrossBorder.Cli -- bench write
            """)
    {
        foreach (Option option in new Option[] { _seconds, _warmup, _warmupRound, _concurrency, _rate, _exchanges, _idle, _noBuild, _unsafePg, _root, _pgPort, _baselinePort, _frPort, _gbPort })
            Add(option);
        CliOptions.RequireDistinct(this, _pgPort, _baselinePort, _frPort, _gbPort);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var options = new BenchWriteOptions(
            Root: CliOptions.ResolveRoot(parse, _root),
            Seconds: parse.GetValue(_seconds),
            WarmupSeconds: parse.GetValue(_warmup),
            WarmupRoundSeconds: parse.GetValue(_warmupRound),
            Concurrency: parse.GetValue(_concurrency),
            Rate: parse.GetValue(_rate),
            Exchanges: parse.GetValue(_exchanges),
            IdleSeconds: parse.GetValue(_idle),
            Build: !parse.GetValue(_noBuild),
            UnsafePostgres: parse.GetValue(_unsafePg),
            PgPort: parse.GetValue(_pgPort),
            BaselinePort: parse.GetValue(_baselinePort),
            FrPort: parse.GetValue(_frPort),
            GbPort: parse.GetValue(_gbPort));

        return await ShutdownSignal.RunInterruptibleAsync(token => RunBenchAsync(options, token), ct);
    }

    private static async Task<int> RunBenchAsync(BenchWriteOptions options, CancellationToken ct)
    {
        if (typeof(BenchWriteCommand).Assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true })
        {
            Console.Error.WriteLine("warning: the load generator (this CLI) is a Debug build; run it with `dotnet run -c Release ...`");
        }

        await PublishedAsync(options.Paths.NodeProject, options.Paths.NodeAssembly, options.Build, ct);
        await PublishedAsync(options.Paths.BaselineProject, options.Paths.BaselineAssembly, options.Build, ct);

        var body = await File.ReadAllBytesAsync(options.Paths.Example("referral.json"), ct);
        var report = new BenchReport(options);
        await using var stack = await BenchStack.StartAsync(options, ct);
        foreach (var (system, seconds) in stack.ReadySeconds)
        {
            report.AddReady(system, seconds);
        }

        await ReadIdleMemoryAsync(stack, report, options, afterLoad: false, ct);

        using var load = new LoadGenerator(maxConnections: Math.Max(options.Concurrency, 256));
        var baseline = new CreateTarget("baseline", new Uri($"{stack.BaselineUrl}/referrals"), body);
        var node = new CreateTarget("node", new Uri($"{stack.Fr.Url}/api/v1/referrals"), body);
        var fr = new NodeDatabase(stack.Postgres.ConnectionString(stack.Fr.Database));
        var gb = new NodeDatabase(stack.Postgres.ConnectionString(stack.Gb.Database));
        var phase = TimeSpan.FromSeconds(options.Seconds);

        // A process just started spends its first seconds under load re-compiling its hot methods (tiered JIT: measured
        // 24% of all CPU samples in the tiered-compilation thread during a 2 s warm-up and a 5 s round, 1% after): a
        // once-per-start cost that would otherwise weigh on round 1 only, and on each system differently. Each system
        // gets it here, unmeasured, so rounds 1 and 2 both compare warm processes.
        foreach (var target in new[] { baseline, node })
        {
            await RefreshTokenAsync(target, node, stack, ct);
            var warm = await load.ClosedLoopAsync(target, options.Concurrency, TimeSpan.FromSeconds(options.WarmupRoundSeconds), ct);
            Progress("warm-up (not counted)", warm);
            await WaitForOutboxDrainAsync(fr, ct);
        }

        for (var round = 1; round <= 2; round++)
        {
            foreach (var target in new[] { baseline, node })
            {
                await RefreshTokenAsync(target, node, stack, ct);
                await load.ClosedLoopAsync(target, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), ct);
                // Read outside the timed window: how much delivery work the phase's CPU figures include.
                var deliveredBefore = target == node ? await fr.DeliveredOutgoingAsync(ct) : 0;
                var cpuBefore = CpuOf(stack);
                var result = await load.ClosedLoopAsync(target, options.Concurrency, phase, ct);
                var cpuAfter = CpuOf(stack);
                Progress($"throughput round {round}", result);
                if (target == node)
                    Console.WriteLine($"  ({await fr.DeliveredOutgoingAsync(ct) - deliveredBefore} of FR's messages delivered during the phase)");
                report.AddThroughput(round, result);
                report.AddCpu(round, result, cpuBefore, cpuAfter);
                // The node's creates leave deliveries behind; let them finish so they do not load the next phase.
                await WaitForOutboxDrainAsync(fr, ct);
            }
        }

        foreach (var target in new[] { baseline, node })
        {
            await RefreshTokenAsync(target, node, stack, ct);
            var cpuBefore = CpuOf(stack);
            var result = await load.OpenLoopAsync(target, options.Rate, phase, ct);
            var cpuAfter = CpuOf(stack);
            Progress($"at {options.Rate}/s", result);
            report.AddOpenLoop(result);
            report.AddOpenLoopCpu(result, cpuBefore, cpuAfter);
            await WaitForOutboxDrainAsync(fr, ct);
        }

        await RefreshTokenAsync(node, node, stack, ct);
        var cpuAtStart = CpuOf(stack);
        var endToEnd = await RunEndToEndAsync(load, node, fr, gb, options, ct);
        report.AddEndToEnd(endToEnd);
        report.AddEndToEndCpu(endToEnd, cpuAtStart, CpuOf(stack));

        await ReadIdleMemoryAsync(stack, report, options, afterLoad: true, ct);
        report.Print(Console.Out);
        return ExitCodes.Ok;
    }

    /// <summary>The CPU time each process of the stack has used so far (Linux); PostgreSQL counts with its backends.</summary>
    private static Dictionary<string, TimeSpan> CpuOf(BenchStack stack)
    {
        var cpu = new Dictionary<string, TimeSpan>();
        foreach (var (system, process) in stack.Processes)
        {
            if (ProcessCpu.Of(process.ProcessId) is { } used)
                cpu[system] = used;
        }
        if (stack.Postgres.ServerProcessId is { } postmaster && ProcessCpu.OfTree(postmaster) is { } database)
            cpu[BenchReport.Postgres] = database;
        return cpu;
    }

    /// <summary>Creates at FR as fast as the workers go, then waits until FR holds GB's receipt for each one.</summary>
    private static async Task<EndToEndResult> RunEndToEndAsync(
        LoadGenerator load, CreateTarget node, NodeDatabase fr, NodeDatabase gb, BenchWriteOptions options, CancellationToken ct)
    {
        var deliveredBefore = await fr.DeliveredOutgoingAsync(ct);
        var receivedBefore = await gb.IncomingReferralsAsync(ct);
        var start = Stopwatch.GetTimestamp();
        var created = await load.ClosedLoopCountAsync(node, options.Concurrency, options.Exchanges, ct);
        var createPhase = Stopwatch.GetElapsedTime(start);
        Progress("end to end, creates", created);

        // Polled often, so the poll must cost next to nothing: whether anything is queued reads the first entry of the
        // outbox's partial index (~0.1 ms of PostgreSQL's time a call, planning included, every 20 ms: a poll's 20 ms are
        // 0.1% of a 20 s phase). Counting the queued rows walks the whole table (~12 ms a call at 15,000 messages), so the
        // progress check counts every 5 s; receipts are counted once, when the outbox is empty.
        long queued = long.MaxValue, delivered;
        var lastProgress = Stopwatch.GetTimestamp();
        var lastCount = Stopwatch.GetTimestamp();
        while (true)
        {
            if (!await fr.AnyQueuedOutgoingAsync(ct))
            {
                delivered = await fr.DeliveredOutgoingAsync(ct) - deliveredBefore;
                if (delivered < created.Succeeded)
                {
                    throw new InvalidOperationException(
                        $"end to end: FR's outbox is empty but holds {delivered} receipts for {created.Succeeded} referrals (dead letters?)");
                }

                break;
            }

            if (Stopwatch.GetElapsedTime(lastCount) >= TimeSpan.FromSeconds(5))
            {
                lastCount = Stopwatch.GetTimestamp();
                var now = await fr.QueuedOutgoingAsync(ct);
                if (now < queued)
                {
                    queued = now;
                    lastProgress = Stopwatch.GetTimestamp();
                }
                else if (Stopwatch.GetElapsedTime(lastProgress) > NoProgressTimeout)
                {
                    throw new TimeoutException(
                        $"end to end: {now} of {created.Succeeded} messages still queued after {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s and none delivered for {NoProgressTimeout.TotalSeconds:F0} s");
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var received = await gb.IncomingReferralsAsync(ct) - receivedBefore;
        if (received != created.Succeeded)
        {
            Console.Error.WriteLine($"warning: GB holds {received} new incoming referrals, FR created {created.Succeeded}");
        }

        return new EndToEndResult(created.Succeeded, created.Failed, createPhase, elapsed, received);
    }

    private static async Task WaitForOutboxDrainAsync(NodeDatabase fr, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (await fr.AnyQueuedOutgoingAsync(ct))
        {
            if (watch.Elapsed > DrainTimeout)
            {
                throw new TimeoutException(
                    $"FR still has {await fr.QueuedOutgoingAsync(ct)} undelivered messages after {DrainTimeout.TotalSeconds:F0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }

        if (watch.Elapsed > TimeSpan.FromSeconds(1))
        {
            Console.WriteLine($"  (FR's outbox drained in {watch.Elapsed.TotalSeconds:F1} s)");
        }
    }

    /// <summary>The audit sequencer's interval (5 s), then two of the idle trim's (2 s each), and a second to spare.</summary>
    private const int AfterLoadIdleSeconds = 10;

    private static async Task ReadIdleMemoryAsync(BenchStack stack, BenchReport report, BenchWriteOptions options, bool afterLoad, CancellationToken ct)
    {
        // After the load a node is not idle when its last receipt is in: the audit sequencer's last round (every 5 s) may
        // still come, and the node gives memory back 2-4 s after that (IdleMemoryTrim). So that reading waits at least
        // AfterLoadIdle; the one at start, before any load, needs only --idle.
        var seconds = afterLoad ? Math.Max(options.IdleSeconds, AfterLoadIdleSeconds) : options.IdleSeconds;
        Console.WriteLine($"Idle for {seconds} s, then reading RSS{(afterLoad ? " after the load" : string.Empty)}...");
        await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
        foreach (var (system, process) in stack.Processes)
        {
            report.AddIdleRss(system, ProcessMemory.ResidentMegabytes(process.ProcessId), afterLoad);
        }
    }

    /// <summary>Tokens live 5 minutes; a fresh one per node phase keeps long runs valid.</summary>
    private static async Task RefreshTokenAsync(CreateTarget target, CreateTarget node, BenchStack stack, CancellationToken ct)
    {
        if (target == node)
        {
            node.BearerToken = await NodeToken.FetchMinistryTokenAsync(stack.Fr, ct);
        }
    }

    /// <summary>
    /// <paramref name="project"/> published as <paramref name="assembly"/>: published now when <paramref name="build"/>,
    /// else as an earlier run left it (<c>--no-build</c>), which must exist.
    /// </summary>
    internal static async Task PublishedAsync(string project, string assembly, bool build, CancellationToken ct)
    {
        if (build)
            await ReleasePublish.RunAttachedAsync(project, Path.GetDirectoryName(assembly)!, ct);
        if (!File.Exists(assembly))
            throw new FileNotFoundException($"{assembly} is missing (run without --no-build)");
    }

    private static void Progress(string what, PhaseResult r)
    {
        var failure = r.FirstFailure is null ? string.Empty : $" (first: {r.FirstFailure})";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-22} {r.System,-8} {r.RequestsPerSecond,8:F0} req/s  p50 {r.P50Ms,6:F1} ms  p99 {r.P99Ms,6:F1} ms  errors {r.Failed}{failure}"));
    }
}
