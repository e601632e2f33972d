namespace CrossBorder.Cli.Commands;

/// <summary>
/// Every exit code of <c>crossborder</c>, the same for all commands (README, "Exit codes").
/// Scripts may rely on them: add new ones at the end, never renumber.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked; for <c>up</c>, also a stop requested by Ctrl-C, SIGINT, SIGTERM or <c>down</c>.</summary>
    public const int Ok = 0;

    /// <summary>Something went wrong while running: a verification failed, a refusal, a build or a node that could not start.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed value. Nothing was done.</summary>
    public const int Usage = 2;

    /// <summary><c>status</c>: the local pair is not (entirely) running or not ready.</summary>
    public const int NotRunning = 3;
}
