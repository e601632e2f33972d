using System.Diagnostics;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

/// <summary>The settings of one <c>crossborder bench faults</c> run.</summary>
public sealed record FaultCampaignOptions(
    string Root,
    int Rate,
    int Replicas,
    int OutageSeconds,
    int EvidenceSample,
    bool Build,
    int PgPort,
    int BasePort)
{
    public BenchPaths Paths => new(Root);
}

/// <summary>
/// Issue 9's campaign, on one machine: FR and GB each run as <see cref="FaultCampaignOptions.Replicas"/> replicas on one
/// database behind a <see cref="TcpFront"/>; a ministry client creates referrals at FR at a steady rate, retrying each
/// with its key until acknowledged, while the schedule below kills replicas (SIGKILL), crashes PostgreSQL and takes
/// GB away for minutes. Then it waits for FR's outbox to drain and <see cref="CampaignChecks"/> judges the outcome.
/// </summary>
public sealed class FaultCampaign(FaultCampaignOptions options, Action<string> log)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan NoProgressTimeout = TimeSpan.FromMinutes(3);

    // Rate limits as a deployment sized for the campaign's volume would set them; logs at Warning.
    private static readonly Dictionary<string, string> NodeEnvironment = new()
    {
        ["Logging__LogLevel__Default"] = "Warning",
        ["RateLimit__PermitsPerSecond"] = "1000000",
        ["RateLimit__Burst"] = "1000000",
    };

    private readonly Stopwatch _clock = new();

    public async Task<CampaignReport> RunAsync(CancellationToken ct)
    {
        var report = new CampaignReport(options);
        var pgFolder = Path.Combine(options.Paths.Local, "faults-pg");
        log($"Starting PostgreSQL on 127.0.0.1:{options.PgPort} (data in {pgFolder})...");
        await using var postgres = await LocalPostgres.StartAsync(pgFolder, options.PgPort, ct);
        var directory = Path.Combine(options.Paths.Local, "faults");
        var fr = DevNode.Prepare(directory, "FR", options.BasePort);
        var gb = DevNode.Prepare(directory, "GB", options.BasePort + 10);
        foreach (var node in new[] { fr, gb })
        {
            await postgres.DropDatabaseAsync(node.Database, ct);
            await postgres.CreateDatabaseAsync(node.Database, ct);
        }

        DevConfigFiles.WriteNodeConfig(fr, [gb], postgres.ConnectionString(fr.Database));
        DevConfigFiles.WriteNodeConfig(gb, [fr], postgres.ConnectionString(gb.Database));
        var logs = Path.Combine(directory, "logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        await using var frSet = new ReplicaSet(fr, options.Replicas, options.Paths.NodeAssembly, logs, NodeEnvironment);
        await using var gbSet = new ReplicaSet(gb, options.Replicas, options.Paths.NodeAssembly, logs, NodeEnvironment);
        log($"Starting {options.Replicas} FR and {options.Replicas} GB replicas (logs in {logs})...");
        await gbSet.StartAsync(ct);
        await frSet.StartAsync(ct);

        var frDb = new NodeDatabase(postgres.ConnectionString(fr.Database));
        var gbDb = new NodeDatabase(postgres.ConnectionString(gb.Database));
        using var frClient = new PersistentClient(fr, GiveUpAfter);
        using var frStepClient = new PersistentClient(fr, GiveUpAfter); // apart, so each check names its own give-ups
        using var gbClient = new PersistentClient(gb, GiveUpAfter);
        var referral = await File.ReadAllBytesAsync(options.Paths.Example("referral.json"), ct);
        var creator = new PersistentCreator(frClient, referral);
        var decider = new PersistentStepTaker(gbClient, gbDb, StepPlan.GbAccepts(await File.ReadAllBytesAsync(options.Paths.Example("decision-accept.json"), ct)));
        var withdrawer = new PersistentStepTaker(frStepClient, frDb, StepPlan.FrWithdraws(await File.ReadAllBytesAsync(options.Paths.Example("withdrawal.json"), ct)));
        _clock.Start();
        log($"Creating referrals at FR, {options.Rate}/s, until the faults are over; as they arrive GB accepts one in four and FR " +
            "withdraws one in four, half of them among those GB accepts...");
        var peerBack = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var faults = RunFaultsAsync(postgres, frSet, gbSet, peerBack, ct);
        var creating = creator.RunAsync(options.Rate, faults, ct);
        // Both ministries act until FR's backlog is delivered: the referrals arriving after the outage are where a lost
        // receipt and a decision can meet, and where FR's withdrawals and GB's decisions cross.
        var frDrained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deciding = decider.RunAsync(Task.WhenAll(faults, frDrained.Task), ct);
        var withdrawing = withdrawer.RunAsync(Task.WhenAll(faults, frDrained.Task), ct);
        // Watched from the moment GB is back, while the last creates and the mid-dispatch kills still run.
        if (await Task.WhenAny(peerBack.Task, faults) == faults && faults.IsFaulted)
        {
            frDrained.SetResult();
            await faults; // the schedule failed before GB came back: its exception ends the run
        }
        var draining = WaitForDrainAsync(frDb, creating, ct);
        await creating;
        await faults;
        report.CreatesDone(_clock.Elapsed, creator);
        log($"{_clock.Elapsed.TotalSeconds,6:F0} s  creates done: {creator.Started} started, {creator.Acknowledged.Count} acknowledged, {frClient.Retried} retries");

        var gbBack = await peerBack.Task;
        var (backlog, firstDelivery, drained) = await draining;
        frDrained.SetResult();
        report.Drained(backlog, firstDelivery - gbBack, drained - gbBack);
        log($"{_clock.Elapsed.TotalSeconds,6:F0} s  FR's outbox is empty, {(drained - gbBack).TotalSeconds:F1} s after GB came back (first delivery after {(firstDelivery - gbBack).TotalSeconds:F1} s)");
        await Task.WhenAll(deciding, withdrawing);
        await Task.WhenAll(WaitForDrainAsync(gbDb, deciding, ct), WaitForDrainAsync(frDb, withdrawing, ct));
        report.StepsDone("FR", withdrawer);
        report.StepsDone("GB", decider);
        log($"{_clock.Elapsed.TotalSeconds,6:F0} s  steps done and delivered: GB accepted {decider.Taken.Count} of {decider.Picked} " +
            $"({decider.Overtaken.Count} withdrawn first), FR withdrew {withdrawer.Taken.Count} of {withdrawer.Picked}");

        await CampaignChecks.RunAsync(report, new CampaignRun(creator, withdrawer, decider, frDb, gbDb, fr),
            options.EvidenceSample, log, ct);
        report.NodeStops([.. frSet.UnexpectedExits, .. gbSet.UnexpectedExits]);
        CampaignChecks.NoPersonalDataInLogs(report, logs, referral);
        return report;
    }

    /// <summary>The schedule; <paramref name="peerBack"/> gets the time GB came back from its outage (the start of the drain figures).</summary>
    private async Task RunFaultsAsync(LocalPostgres postgres, ReplicaSet fr, ReplicaSet gb, TaskCompletionSource<TimeSpan> peerBack,
        CancellationToken ct)
    {
        async Task Pause(double seconds) => await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
        async Task Kill(ReplicaSet set, int index, double downSeconds)
        {
            Log($"kill -9 {set.Labels[index]}");
            await set.KillAsync(index);
            await Pause(downSeconds);
            await set.RestartAsync(index, ct);
            Log($"{set.Labels[index]} ready again");
        }

        async Task CrashPostgres(double downSeconds)
        {
            Log($"PostgreSQL: immediate stop (a crash), {downSeconds:F0} s down");
            await postgres.CrashAndRestartAsync(TimeSpan.FromSeconds(downSeconds), ct);
            Log("PostgreSQL back (after crash recovery)");
        }

        var last = options.Replicas - 1;
        await Pause(8);
        await Kill(fr, 0, 3);
        await Pause(5);
        await Kill(gb, last, 3);
        await Pause(5);
        await CrashPostgres(5);
        await Pause(5);
        await Kill(fr, last, 2);
        await Pause(3);
        Log($"kill -9 {fr.Labels[0]} and {gb.Labels[0]} at once");
        await Task.WhenAll(Kill(fr, 0, 2), Kill(gb, 0, 2));

        await Pause(5);
        Log($"GB down: every GB replica killed for {options.OutageSeconds} s");
        await gb.KillAllAsync();
        var outage = TimeSpan.FromSeconds(options.OutageSeconds);
        var third = outage / 3;
        await Task.Delay(third, ct);
        await Kill(fr, 0, 2);
        await Task.Delay(third, ct);
        await CrashPostgres(3);
        await Task.Delay(third, ct);
        await gb.RestartAllAsync(ct);
        peerBack.SetResult(_clock.Elapsed);
        Log("GB back: every replica ready");

        // FR now sends its backlog at full speed: a replica killed mid-dispatch leaves leased messages behind, which
        // the other replica must send once the leases lapse (the promise: within 15 s), and GB loses one mid-inbound.
        await Pause(3);
        Log($"mid-dispatch: kill -9 {fr.Labels[0]} and {gb.Labels[last]} at once");
        await Task.WhenAll(Kill(fr, 0, 2), Kill(gb, last, 2));

        void Log(string what) => log($"{_clock.Elapsed.TotalSeconds,6:F0} s  {what}");
    }

    /// <summary>
    /// A node's outbox backlog at the first look, when it first shrank, and when it was empty with every write of
    /// <paramref name="writing"/> done (campaign clock). The outbox may be empty for a moment while the last writes are
    /// still retried, so that does not count.
    /// </summary>
    private async Task<(long Backlog, TimeSpan FirstDelivery, TimeSpan Drained)> WaitForDrainAsync(NodeDatabase node, Task writing,
        CancellationToken ct)
    {
        long queued = long.MaxValue, backlog = -1;
        TimeSpan? first = null;
        var progress = Stopwatch.StartNew();
        while (true)
        {
            var createsDone = writing.IsCompleted;
            var now = await node.QueuedOutgoingAsync(ct);
            if (backlog < 0)
                backlog = now;
            else if (now < queued)
                first ??= _clock.Elapsed;
            if (now == 0 && createsDone)
                return (backlog, first ?? _clock.Elapsed, _clock.Elapsed);
            if (now < queued || !createsDone)
            {
                queued = now;
                progress.Restart();
            }
            else if (progress.Elapsed > NoProgressTimeout)
            {
                throw new TimeoutException($"{now} messages still queued and none delivered for {NoProgressTimeout.TotalMinutes:F0} min");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }
}
