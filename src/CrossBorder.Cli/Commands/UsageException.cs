namespace CrossBorder.Cli.Commands;

/// <summary>The command line was wrong: the dispatcher prints the command's usage and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);
