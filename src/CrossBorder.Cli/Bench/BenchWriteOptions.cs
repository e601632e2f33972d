namespace CrossBorder.Cli.Bench;

/// <summary>The settings of one <c>crossborder bench write</c> run.</summary>
public sealed record BenchWriteOptions(
    string Root,
    int Seconds,
    int WarmupSeconds,
    int Concurrency,
    int Rate,
    int Exchanges,
    int IdleSeconds,
    bool Build,
    bool UnsafePostgres,
    int PgPort,
    int BaselinePort,
    int FrPort,
    int GbPort)
{
    public string NodeProject => Path.Combine(Root, "src", "CrossBorder.Node");

    public string BaselineProject => Path.Combine(Root, "bench", "CrossBorder.Bench.Baseline");

    /// <summary>Where the Release, ReadyToRun-compiled node and baseline are published (as a deployment would run them).</summary>
    public string PublishFolder => Path.Combine(Root, ".local", "bench", "publish");

    public string NodeAssembly => Path.Combine(PublishFolder, "node", "CrossBorder.Node.dll");

    public string BaselineAssembly => Path.Combine(PublishFolder, "baseline", "CrossBorder.Bench.Baseline.dll");

    public string ReferralBodyPath => Path.Combine(NodeProject, "Contract", "Examples", "referral.json");
}
