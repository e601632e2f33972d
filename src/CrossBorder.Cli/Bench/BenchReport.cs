using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Collects what <c>bench write</c> measured, judges it against issue 9's targets (2 cores, one
/// machine) and prints a table, then one JSON line per figure for scripts (<c>grep '^{'</c>).
/// </summary>
public sealed class BenchReport(BenchWriteOptions options)
{
    public const double CreateRatioTarget = 0.60;
    public const double P99TargetMs = 25;
    public const double ExchangesTarget = 1000;
    public const double IdleRssTargetMb = 200;
    public const double ReadyTargetSeconds = 3;

    /// <summary>
    /// How every bench prints its JSON lines. Relaxed escaping keeps "&lt;" and "->" readable; the lines go to a terminal
    /// or a script, never into HTML.
    /// </summary>
    internal static readonly JsonSerializerOptions JsonLine = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly List<BenchFigure> _figures = [];
    private readonly List<(int Round, PhaseResult Phase)> _throughput = [];
    private readonly List<PhaseResult> _openLoop = [];
    private readonly List<(int Round, string System, string Server, Dictionary<string, double> Micros)> _cpu = [];
    private readonly Dictionary<string, double> _ready = [];
    private readonly Dictionary<string, double> _idleRss = [];
    private readonly Dictionary<string, double> _loadedRss = [];
    private EndToEndResult? _endToEnd;
    private Dictionary<string, double> _endToEndCpu = [];
    private readonly Dictionary<string, (Dictionary<string, double> Micros, double Cores)> _openLoopCpu = [];

    public void AddReady(string system, double seconds)
    {
        _ready[system] = seconds;
        Add(new BenchFigure("time_to_ready", system, null, seconds, "s"), IsNode(system) ? (seconds < ReadyTargetSeconds, $"< {ReadyTargetSeconds}") : null);
    }

    public void AddIdleRss(string system, double megabytes, bool afterLoad)
    {
        (afterLoad ? _loadedRss : _idleRss)[system] = megabytes;
        var figure = new BenchFigure(afterLoad ? "idle_rss_after_load" : "idle_rss", system, null, megabytes, "MB");
        Add(figure, IsNode(system) ? (megabytes < IdleRssTargetMb, $"< {IdleRssTargetMb}") : null);
    }

    public void AddThroughput(int round, PhaseResult phase)
    {
        _throughput.Add((round, phase));
        Add(new BenchFigure("create_throughput", phase.System, round, phase.RequestsPerSecond, "req/s"));
        Add(new BenchFigure("create_p50", phase.System, round, phase.P50Ms, "ms"));
        Add(new BenchFigure("create_p99", phase.System, round, phase.P99Ms, "ms"));
        Add(new BenchFigure("create_errors", phase.System, round, phase.Failed, "requests"));
    }

    public const string Postgres = "PostgreSQL";

    /// <summary>
    /// What each process spent, in µs of CPU per successful request of a closed-loop phase: the server measured, the
    /// database, and (for the node) the peer delivering in the background. Less noisy than the rate itself.
    /// </summary>
    public void AddCpu(int round, PhaseResult phase, Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after)
    {
        if (PhaseCpu(phase, before, after) is not { } used)
            return;
        _cpu.Add((round, phase.System, ServerOf(phase), used));
        foreach (var (process, micros) in used)
            Add(new BenchFigure("cpu_per_create", $"{phase.System}: {process}", round, micros, "µs"));
        Add(new BenchFigure("cpu_per_create", $"{phase.System}: total", round, used.Values.Sum(), "µs"));
    }

    public void AddOpenLoop(PhaseResult phase)
    {
        _openLoop.Add(phase);
        var isNode = phase.System == "node";
        Add(new BenchFigure("create_achieved_rate", phase.System, null, phase.RequestsPerSecond, "req/s"));
        Add(new BenchFigure("create_p50_at_rate", phase.System, null, phase.P50Ms, "ms"));
        Add(new BenchFigure("create_p99_at_rate", phase.System, null, phase.P99Ms, "ms"), isNode ? (phase.P99Ms < P99TargetMs, $"< {P99TargetMs}") : null);
        Add(new BenchFigure("create_max_at_rate", phase.System, null, phase.MaxMs, "ms"));
        Add(new BenchFigure("create_errors_at_rate", phase.System, null, phase.Failed, "requests"));
    }

    /// <summary>
    /// What each process spent per request of the open-loop phase, in µs (for the node: FR, its deliveries' share at GB, and
    /// PostgreSQL, each create being delivered and receipted meanwhile). Times the rate, it is how much of the machine the
    /// phase kept busy, which is what its latency follows.
    /// </summary>
    public void AddOpenLoopCpu(PhaseResult phase, Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after)
    {
        if (PhaseCpu(phase, before, after) is not { } used)
            return;
        var cores = used.Values.Sum() * phase.RequestsPerSecond / 1e6;
        _openLoopCpu[phase.System] = (used, cores);
        foreach (var (process, micros) in used)
            Add(new BenchFigure("cpu_per_create_at_rate", $"{phase.System}: {process}", null, micros, "µs"));
        Add(new BenchFigure("cpu_per_create_at_rate", $"{phase.System}: total", null, used.Values.Sum(), "µs"));
        Add(new BenchFigure("cores_busy_at_rate", phase.System, null, cores, "cores"));
    }

    public void AddEndToEnd(EndToEndResult result)
    {
        _endToEnd = result;
        Add(new BenchFigure("e2e_exchanges_per_s", "FR->GB", null, result.ExchangesPerSecond, "exchanges/s"),
            (result.ExchangesPerSecond >= ExchangesTarget, $">= {ExchangesTarget}"));
        Add(new BenchFigure("e2e_exchanges", "FR->GB", null, result.Exchanges, "exchanges"));
        Add(new BenchFigure("e2e_failed_creates", "FR->GB", null, result.FailedCreates, "requests"));
    }

    /// <summary>
    /// What one whole exchange cost each process, in µs of CPU per exchange: from the first create until FR held every
    /// receipt (FR, GB, PostgreSQL with both databases). Their sum against the machine's cores is what bounds the rate.
    /// </summary>
    public void AddEndToEndCpu(EndToEndResult result, Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after)
    {
        if (result.Exchanges == 0)
            return;
        _endToEndCpu = PerUnit(["FR", "GB", Postgres], before, after, result.Exchanges);
        foreach (var (process, micros) in _endToEndCpu)
            Add(new BenchFigure("e2e_cpu_per_exchange", process, null, micros, "µs"));
        if (_endToEndCpu.Count > 0)
            Add(new BenchFigure("e2e_cpu_per_exchange", "total", null, _endToEndCpu.Values.Sum(), "µs"));
    }

    private static string ServerOf(PhaseResult phase) => phase.System == "node" ? "FR" : phase.System;

    /// <summary>
    /// µs of CPU per successful request of a phase: its server, the database and, for the node, the peer it delivers to;
    /// null when nothing succeeded or nothing could be read.
    /// </summary>
    private static Dictionary<string, double>? PhaseCpu(PhaseResult phase, Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after)
    {
        if (phase.Succeeded == 0)
            return null;
        var server = ServerOf(phase);
        var used = PerUnit(phase.System == "node" ? [server, Postgres, "GB"] : [server, Postgres], before, after, phase.Succeeded);
        return used.Count == 0 ? null : used;
    }

    /// <summary>µs of CPU each of <paramref name="processes"/> spent per unit of work between the two readings (those read both times).</summary>
    private static Dictionary<string, double> PerUnit(string[] processes, Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after,
        int units) =>
        processes.Where(p => before.ContainsKey(p) && after.ContainsKey(p))
            .ToDictionary(p => p, p => (after[p] - before[p]).TotalMicroseconds / units);

    /// <summary>Node throughput over baseline throughput, each the mean of its rounds; null before both ran.</summary>
    public double? CreateRatio => MeanThroughput("baseline") is var baseline && baseline > 0 ? MeanThroughput("node") / baseline : null;

    public void Print(TextWriter output)
    {
        if (CreateRatio is { } ratio)
        {
            Add(new BenchFigure("create_ratio", "node/baseline", null, ratio, null), (ratio >= CreateRatioTarget, $">= {CreateRatioTarget}"));
        }

        output.WriteLine();
        output.WriteLine($"Create throughput, closed loop: {options.Concurrency} workers, {options.Seconds} s per phase after {options.WarmupSeconds} s warm-up; "
            + $"each system warmed up {options.WarmupRoundSeconds} s once before round 1 (tiered JIT), not counted");
        Row(output, "round", "system", "req/s", "p50 ms", "p99 ms", "max ms", "errors");
        foreach (var (round, p) in _throughput)
        {
            Row(output, Int(round), p.System, F(p.RequestsPerSecond, 0), F(p.P50Ms), F(p.P99Ms), F(p.MaxMs), Int(p.Failed));
        }

        if (_cpu.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("CPU per create, closed loop: µs of CPU per successful request (/proc), by process, over the phase (the node's "
                + "deliveries sent meanwhile included; the rest, sent after the phase, count in the end-to-end figure)");
            Row(output, "round", "system", "server", Postgres, "GB", "total", "");
            foreach (var (round, system, server, micros) in _cpu)
            {
                Row(output, Int(round), system, F(Get(micros, server), 0), F(Get(micros, Postgres), 0), micros.TryGetValue("GB", out var gb) ? F(gb, 0) : "",
                    F(micros.Values.Sum(), 0), "");
            }
        }

        output.WriteLine();
        output.WriteLine($"Create latency, open loop: {options.Rate} requests/s for {options.Seconds} s, timed from the scheduled send");
        Row(output, "", "system", "req/s", "p50 ms", "p99 ms", "max ms", "errors");
        foreach (var p in _openLoop)
        {
            Row(output, "", p.System, F(p.RequestsPerSecond, 0), F(p.P50Ms), F(p.P99Ms), F(p.MaxMs), Int(p.Failed));
        }

        foreach (var p in _openLoop.Where(p => p.P99BySecond.Count > 0))
            output.WriteLine($"  p99 of each second's requests, {p.System} (ms): {string.Join(' ', p.P99BySecond.Select(ms => F(ms, 0)))}");

        foreach (var (system, (micros, cores)) in _openLoopCpu)
        {
            output.WriteLine($"  CPU per {system} create at the rate (/proc, µs): " + string.Join(", ", micros.Select(c => $"{c.Key} {F(c.Value, 0)}"))
                + $", total {F(micros.Values.Sum(), 0)}: {F(cores, 2)} of the machine's {Environment.ProcessorCount} cores busy");
        }

        output.WriteLine();
        output.WriteLine("Processes");
        Row(output, "", "system", "ready s", "idle MB", "after MB", "", "");
        foreach (var system in _ready.Keys)
        {
            Row(output, "", system, F(_ready[system], 2), F(Get(_idleRss, system), 0), F(Get(_loadedRss, system), 0), "", "");
        }

        if (_endToEnd is { } e)
        {
            output.WriteLine();
            output.WriteLine(
                $"End to end: {Int(e.Exchanges)} referrals created at FR in {F(e.CreatePhase.TotalSeconds, 2)} s, every receipt back at FR after " +
                $"{F(e.Elapsed.TotalSeconds, 2)} s: {F(e.ExchangesPerSecond, 0)} exchanges/s (GB received {Int(e.ReceivedAtPeer)}, failed creates {Int(e.FailedCreates)})");
            if (_endToEndCpu.Count > 0)
            {
                output.WriteLine("  CPU per exchange (/proc, µs): " + string.Join(", ", _endToEndCpu.Select(c => $"{c.Key} {F(c.Value, 0)}"))
                    + $", total {F(_endToEndCpu.Values.Sum(), 0)}");
            }
        }

        output.WriteLine();
        output.WriteLine("Targets (issue 9: 2 cores, everything on one machine)");
        foreach (var f in _figures.Where(f => f.Target is not null))
        {
            var value = f.Unit is null ? F(f.Value, 2) : $"{F(f.Value)} {f.Unit}";
            output.WriteLine($"  {(f.Pass == true ? "PASS" : "MISS")}  {f.Figure} {f.System} = {value} (target {f.Target})");
        }

        output.WriteLine();
        foreach (var figure in _figures)
        {
            output.WriteLine(JsonSerializer.Serialize(figure with { Value = Math.Round(figure.Value, 3) }, JsonLine));
        }
    }

    private double MeanThroughput(string system)
    {
        var values = _throughput.Where(t => t.Phase.System == system).Select(t => t.Phase.RequestsPerSecond).ToList();
        return values.Count == 0 ? 0 : values.Average();
    }

    private static bool IsNode(string system) => system is "FR" or "GB";

    private static double Get(Dictionary<string, double> values, string key) => values.TryGetValue(key, out var v) ? v : double.NaN;

    private static string F(double value, int decimals = 1) =>
        double.IsNaN(value) ? "-" : value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Row(TextWriter output, params string[] cells) =>
        output.WriteLine("  " + string.Join("  ", cells.Select((c, i) => i < 2 ? c.PadRight(i == 0 ? 5 : 9) : c.PadLeft(8))).TrimEnd());

    private void Add(BenchFigure figure, (bool Pass, string Target)? goal = null) =>
        _figures.Add(goal is { } g ? figure with { Pass = g.Pass, Target = g.Target } : figure);
}
