namespace CrossBorder.Cli.Commands;

/// <summary>A value the command line could not check before the command ran (e.g. a password read from stdin): exit 2.</summary>
public sealed class UsageException(string message) : Exception(message);
