using System.Collections.Concurrent;
using System.Diagnostics;

namespace CrossBorder.Cli.Tests.Infrastructure;

/// <summary>
/// <c>crossborder</c> running as a real process (<c>dotnet crossborder.dll ...</c>), every line it prints kept, so a
/// test can await a line or its exit with a timeout instead of sleeping.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _newLine = new(0);

    private CliProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public Task Exited { get; private set; } = Task.CompletedTask;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far, standard output and error interleaved as they arrived.</summary>
    public string Output => string.Join(Environment.NewLine, _lines);

    /// <param name="sigIntIgnored">
    /// Start it as a non-interactive shell starts a command with <c>&amp;</c>: with SIGINT ignored, inherited.
    /// </param>
    public static CliProcess Start(IEnumerable<string> arguments, bool sigIntIgnored = false)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "crossborder.dll");
        var startInfo = sigIntIgnored
            ? new ProcessStartInfo("bash") { ArgumentList = { "-c", "trap '' INT; exec \"$@\"", "bash", "dotnet", cli } }
            : new ProcessStartInfo("dotnet") { ArgumentList = { cli } };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        startInfo.UseShellExecute = false;
        // `dotnet test` leaves MSBuild's own variables in our environment; the `dotnet build` that `up` runs must not inherit them.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            startInfo.Environment.Remove(name);

        var process = new Process { StartInfo = startInfo };
        var cliProcess = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cliProcess.Add(e.Data);
        process.ErrorDataReceived += (_, e) => cliProcess.Add(e.Data);
        process.Start();
        cliProcess.Exited = process.WaitForExitAsync();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cliProcess;
    }

    /// <summary>Waits for a printed line matching <paramref name="match"/>; fails with everything printed if none comes in time.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string because)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_lines.FirstOrDefault(match) is { } line)
                return line;
            if (_process.HasExited)
            {
                await Exited;
                if (_lines.FirstOrDefault(match) is { } last)
                    return last;
                Assert.Fail($"crossborder exited ({_process.ExitCode}) before {because}. It printed:{Environment.NewLine}{Output}");
            }

            try
            {
                await _newLine.WaitAsync(TimeSpan.FromSeconds(1), cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no line within {timeout.TotalSeconds:0} s: {because}. It printed:{Environment.NewLine}{Output}");
            }
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code; fails if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Exited.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"crossborder still runs {timeout.TotalSeconds:0} s later. It printed:{Environment.NewLine}{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await Exited;
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
            return;
        _lines.Enqueue(line);
        TestContext.Progress.WriteLine($"  crossborder> {line}");
        _newLine.Release();
    }
}
