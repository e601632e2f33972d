namespace CrossBorder.Cli.Local;

/// <summary>One node as <c>up</c> runs it, in <see cref="UpState"/>.</summary>
public sealed record UpNodeState(string Country, int Pid, string Url, string MetricsUrl, string Log, int Restarts);
