using System.Diagnostics;

namespace CrossBorder.Cli.Local;

/// <summary>
/// One node running as a child process (<c>dotnet CrossBorder.Node.dll</c>), its output lines either
/// forwarded with a <c>[CC] </c> prefix or appended to a log file.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly Process _process;

    private NodeProcess(string country, string url, Process process, string? logFile)
    {
        Country = country;
        Url = url;
        LogFile = logFile;
        _process = process;
        Exited = process.WaitForExitAsync();
    }

    /// <summary>Where its output goes, when it goes to a file.</summary>
    public string? LogFile { get; }

    public string Country { get; }

    public string Url { get; }

    /// <summary>Completes when the process has exited and its output is drained.</summary>
    public Task Exited { get; }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Process id, e.g. to read its memory.</summary>
    public int ProcessId => _process.Id;

    /// <param name="environment">Extra environment variables, e.g. configuration overrides (<c>RateLimit__Burst</c>).</param>
    public static NodeProcess Start(DevNode node, string nodeAssembly, IReadOnlyDictionary<string, string>? environment = null) =>
        StartAssembly(node.Country, node.Url, nodeAssembly, ["--config", node.ConfigPath], environment);

    /// <summary>
    /// Starts the node with its standard output and error appended to <paramref name="logFile"/>, in a session of
    /// its own (<c>setsid</c>): a Ctrl-C in the terminal reaches only the command that started it, which stops
    /// the nodes in order, and a node writes to its file whatever becomes of that command.
    /// </summary>
    public static NodeProcess StartLogged(DevNode node, string nodeAssembly, string logFile, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        File.AppendAllText(logFile, $"--- {DateTimeOffset.UtcNow:O} crossborder: starting the {node.Country} node{Environment.NewLine}");
        // sh redirects, then execs dotnet: the process we start is the node itself (same pid), not a wrapper.
        string[] shell = ["sh", "-c", "exec \"$0\" \"$@\" </dev/null >>\"$CROSSBORDER_NODE_LOG\" 2>&1", "dotnet"];
        var program = ProcessRunner.FindOnPath("setsid") is { } setsid ? [setsid, .. shell] : shell;
        var startInfo = NodeStartInfo(program[0], program[1..].Concat(NodeArguments(nodeAssembly, ["--config", node.ConfigPath], node.Url)),
            nodeAssembly, environment);
        startInfo.Environment["CROSSBORDER_NODE_LOG"] = logFile;
        var process = new Process { StartInfo = startInfo };
        if (!process.Start())
            throw new InvalidOperationException($"could not start the {node.Country} node");
        return new NodeProcess(node.Country, node.Url, process, logFile);
    }

    /// <summary>
    /// Runs any ASP.NET Core assembly the same way (the benchmark's baseline too); <paramref name="label"/>
    /// prefixes its output and stands in for <see cref="Country"/>.
    /// </summary>
    public static NodeProcess StartAssembly(
        string label, string url, string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = NodeStartInfo("dotnet", NodeArguments(assembly, arguments, url), assembly, environment);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        var process = new Process { StartInfo = startInfo };
        var prefix = $"[{label}] ";
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Out.WriteLine(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(prefix + e.Data); };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start the {label} node");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(label, url, process, logFile: null);
    }

    private static IEnumerable<string> NodeArguments(string assembly, IEnumerable<string> arguments, string url) =>
        arguments.Prepend(assembly).Concat(["--urls", url]);

    private static ProcessStartInfo NodeStartInfo(
        string fileName, IEnumerable<string> arguments, string assembly, IReadOnlyDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            // Production error handling locally too: the developer exception page would show exception text.
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        return startInfo;
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200; fails if the node dies or time runs out.</summary>
    /// <param name="pollInterval">Time between polls (default 500 ms); short when the time to ready is measured.</param>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct, TimeSpan? pollInterval = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var readyUrl = $"{Url}/health/ready";
        var stopwatch = Stopwatch.StartNew();
        var lastAnswer = "no answer yet";
        while (true)
        {
            if (_process.HasExited)
            {
                await Exited;
                throw new InvalidOperationException(
                    $"the {Country} node exited with code {_process.ExitCode} before it was ready " +
                    (LogFile is null ? $"(its output above, prefixed [{Country}])" : $"(its log: {LogFile})"));
            }

            try
            {
                using var response = await http.GetAsync(readyUrl, ct);
                if (response.IsSuccessStatusCode && (int)response.StatusCode == 200)
                {
                    return;
                }

                lastAnswer = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException e)
            {
                lastAnswer = e.Message;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                lastAnswer = "no answer within 2 s";
            }

            if (stopwatch.Elapsed >= timeout)
            {
                throw new TimeoutException(
                    $"the {Country} node is not ready: GET {readyUrl} did not answer 200 within {timeout.TotalSeconds:0} s (last: {lastAnswer})");
            }

            await Task.Delay(pollInterval ?? PollInterval, ct);
        }
    }

    /// <summary>
    /// Asks the node to shut down (SIGTERM, so ASP.NET Core stops gracefully), then kills the
    /// whole process tree if it is still running after <paramref name="grace"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            NativeSignals.Send(_process.Id, NativeSignals.SigTerm);
        }

        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
        {
            Console.Error.WriteLine($"the {Country} node did not stop within {grace.TotalSeconds:0} s; killing it");
            _process.Kill(entireProcessTree: true);
        }

        await Exited;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
