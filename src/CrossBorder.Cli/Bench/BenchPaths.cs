namespace CrossBorder.Cli.Bench;

/// <summary>Where the benchmarks find the projects they publish, what they publish, and the contract's example bodies.</summary>
public sealed record BenchPaths(string Root)
{
    public string NodeProject => Path.Combine(Root, "src", "CrossBorder.Node");

    public string BaselineProject => Path.Combine(Root, "bench", "CrossBorder.Bench.Baseline");

    /// <summary>The git-ignored working folder (PostgreSQL clusters, node keys, logs).</summary>
    public string Local => Path.Combine(Root, ".local");

    /// <summary>Where the Release, ReadyToRun-compiled node and baseline are published (as a deployment would run them).</summary>
    public string PublishFolder => Path.Combine(Local, "bench", "publish");

    public string NodeAssembly => Path.Combine(PublishFolder, "node", "CrossBorder.Node.dll");

    public string BaselineAssembly => Path.Combine(PublishFolder, "baseline", "CrossBorder.Bench.Baseline.dll");

    /// <summary>A body from the contract's examples (<c>referral.json</c>, <c>decision-accept.json</c>, ...), as integrators send it.</summary>
    public string Example(string fileName) => Path.Combine(NodeProject, "Contract", "Examples", fileName);
}
