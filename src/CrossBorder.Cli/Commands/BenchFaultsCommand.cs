using System.CommandLine;
using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder bench faults</c> (issue 9): the fault campaign. Creates at FR while replicas are killed, PostgreSQL
/// crashes and GB is away for minutes; then checks that every acknowledged referral reached GB exactly once with a
/// verifiable receipt and that no node stopped by itself. Exit code 0 only when every check holds.
/// </summary>
public sealed class BenchFaultsCommand : CliCommand
{
    private readonly Option<int> _rate = CliOptions.PositiveInt("--rate", 40, "creates started per second, for as long as the faults last");
    private readonly Option<int> _replicas = CliOptions.PositiveInt("--replicas", 2, "replicas per country, on one database each");
    private readonly Option<int> _outage = CliOptions.PositiveInt("--outage", 120, "how long every GB replica stays down", "s");
    private readonly Option<int> _evidence = new("--evidence") { Description = "evidence packs to verify, chosen at random (0: every referral)", DefaultValueFactory = _ => 0, HelpName = "n" };
    private readonly Option<bool> _noBuild = new("--no-build") { Description = "run the published Release build as it is instead of publishing it first" };
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<int> _pgPort = CliOptions.Port("--pg-port", 55462, "private PostgreSQL (data in .local/faults-pg)");
    private readonly Option<int> _basePort = CliOptions.Port("--base-port", 5300, "FR's front; its replicas take the next ports, GB's front is base+10");

    public BenchFaultsCommand()
        : base("bench faults", "fault campaign: kills, database crashes, a peer outage, two replicas; then checks nothing was lost", """
            Publishes the node (Release, ReadyToRun), starts a private PostgreSQL (.local/faults-pg) with fresh databases and
            each country as --replicas processes on one database behind a TCP front on the node's port (FR: --base-port,
            GB: --base-port + 10). A ministry client creates referrals at FR, --rate per second for as long as the faults
            last (about 50 s + --outage), each retried with its Idempotency-Key until acknowledged. Meanwhile: replicas of both nodes are killed with SIGKILL (one at a time and
            together), PostgreSQL is crashed (immediate stop) and restarted, and every GB replica is down for --outage
            seconds, with an FR kill and a database crash inside the outage; 3 s after GB is back, while FR sends its backlog, one FR
            and one GB replica are killed again. Then it waits for FR's outbox to drain and
            checks: every create acknowledged, no 500; each referral at FR once and at GB exactly once; every message
            delivered with a receipt and applied once; both feeds gap-free and audit logs sequenced; evidence packs verify;
            no node exited by itself. Node logs: .local/faults/logs/. Run the CLI in Release:
              dotnet run -c Release --project src/CrossBorder.Cli -- bench faults
            """)
    {
        foreach (Option option in new Option[] { _rate, _replicas, _outage, _evidence, _noBuild, _root, _pgPort, _basePort })
            Add(option);
        CliOptions.RequireDistinct(this, _pgPort, _basePort);
        _evidence.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
                result.AddError("--evidence must be 0 (all) or a positive number");
        });
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var options = new FaultCampaignOptions(
            Root: CliOptions.ResolveRoot(parse, _root),
            Rate: parse.GetValue(_rate),
            Replicas: parse.GetValue(_replicas),
            OutageSeconds: parse.GetValue(_outage),
            EvidenceSample: parse.GetValue(_evidence),
            Build: !parse.GetValue(_noBuild),
            PgPort: parse.GetValue(_pgPort),
            BasePort: parse.GetValue(_basePort));
        return await ShutdownSignal.RunInterruptibleAsync(async token =>
        {
            await BenchWriteCommand.PublishedAsync(options.Paths.NodeProject, options.Paths.NodeAssembly, options.Build, token);
            var report = await new FaultCampaign(options, Console.WriteLine).RunAsync(token);
            report.Print(Console.Out);
            return report.Passed ? ExitCodes.Ok : ExitCodes.Failure;
        }, ct);
    }
}
