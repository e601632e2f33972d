using System.CommandLine;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder down</c>: stops the <c>up</c> running for this folder from another shell (SIGTERM, then waits until
/// it has stopped its nodes and PostgreSQL); stops what a killed <c>up</c> left behind. Nothing running is not an error.
/// </summary>
public sealed class DownCommand : CliCommand
{
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<string?> _localDir = CliOptions.LocalDir();
    private readonly Option<int> _timeout = CliOptions.PositiveInt("--timeout", 90, "seconds to wait for `up` to stop everything", "s");

    public DownCommand()
        : base("down", "stop the local pair that `up` runs, from another shell", """
            Sends SIGTERM to `up`, which stops the nodes, then PostgreSQL, and exits; waits until it has.
            If `up` was killed and left nodes or PostgreSQL running, stops those. Exit code 0 once nothing runs
            (also when nothing did), 1 if `up` has not stopped within --timeout.
            """)
    {
        Add(_root);
        Add(_localDir);
        Add(_timeout);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var local = CliOptions.ResolveLocalDir(parse, _localDir, _root);
        var state = UpState.Read(local);
        if (state is null)
        {
            await Output.WriteLineAsync($"Nothing to stop: the local pair is not running (no {UpState.PathIn(local)}).");
            return ExitCodes.Ok;
        }

        if (ProcessProbe.IsRunning(state.Pid, LocalPair.UpCommandLineMark))
        {
            await Output.WriteLineAsync($"Stopping `crossborder up` (pid {state.Pid})...");
            NativeSignals.Send(state.Pid, NativeSignals.SigTerm);
            var timeout = TimeSpan.FromSeconds(parse.GetValue(_timeout));
            if (!await ProcessProbe.WaitForExitAsync(state.Pid, LocalPair.UpCommandLineMark, timeout, ct))
            {
                await Error.WriteLineAsync($"`crossborder up` (pid {state.Pid}) has not stopped within {timeout.TotalSeconds:0} s");
                return ExitCodes.Failure;
            }

            await Output.WriteLineAsync("Stopped.");
            return ExitCodes.Ok;
        }

        var stopped = await LocalPair.StopLeftoversAsync(state, postgres: true);
        UpState.Delete(local);
        await Output.WriteLineAsync(stopped.Count == 0
            ? $"Nothing to stop: `crossborder up` (pid {state.Pid}) is gone and left nothing running."
            : $"`crossborder up` (pid {state.Pid}) is gone; stopped what it left running: {string.Join(", ", stopped)}.");
        return ExitCodes.Ok;
    }
}
