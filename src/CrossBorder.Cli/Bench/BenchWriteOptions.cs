namespace CrossBorder.Cli.Bench;

/// <summary>The settings of one <c>crossborder bench write</c> run.</summary>
public sealed record BenchWriteOptions(
    string Root,
    int Seconds,
    int WarmupSeconds,
    int WarmupRoundSeconds,
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
    public BenchPaths Paths => new(Root);
}
