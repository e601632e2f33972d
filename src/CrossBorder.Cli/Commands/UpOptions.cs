namespace CrossBorder.Cli.Commands;

/// <summary>The parsed options of <c>crossborder up</c>.</summary>
public sealed record UpOptions(string Root, int FrPort, int GbPort, int PgPort, TimeSpan ReadyTimeout, bool Build);
