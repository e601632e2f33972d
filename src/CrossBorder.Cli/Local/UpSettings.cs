namespace CrossBorder.Cli.Local;

/// <summary>What <c>crossborder up</c> runs, where and on which ports.</summary>
public sealed record UpSettings(
    string Root,
    string LocalDirectory,
    int FrPort,
    int GbPort,
    int PgPort,
    int FrMetricsPort,
    int GbMetricsPort,
    TimeSpan ReadyTimeout,
    bool Build)
{
    public string NodeProject => Path.Combine(Root, "src", "CrossBorder.Node");

    /// <summary>
    /// The Release build <c>up</c> runs, kept apart from <c>bin/</c> so a build (by the IDE, the tests or another
    /// <c>up</c>) never replaces the files of nodes that are running.
    /// </summary>
    public string BuildDirectory => Path.Combine(LocalDirectory, "build", "node");

    public string NodeAssembly => Path.Combine(BuildDirectory, "CrossBorder.Node.dll");

    public string LogDirectory => Path.Combine(LocalDirectory, "logs");

    public string PostgresData => Path.Combine(LocalDirectory, "pg");
}
