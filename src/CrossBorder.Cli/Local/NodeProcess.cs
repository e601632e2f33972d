using System.Diagnostics;

namespace CrossBorder.Cli.Local;

/// <summary>
/// One node running as a child process (<c>dotnet CrossBorder.Node.dll</c>), its output lines
/// forwarded with a <c>[CC] </c> prefix.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly Process _process;

    private NodeProcess(string country, string url, Process process)
    {
        Country = country;
        Url = url;
        _process = process;
        Exited = process.WaitForExitAsync();
    }

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
    /// Runs any ASP.NET Core assembly the same way (the benchmark's baseline too); <paramref name="label"/>
    /// prefixes its output and stands in for <see cref="Country"/>.
    /// </summary>
    public static NodeProcess StartAssembly(
        string label, string url, string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            // Production error handling locally too: the developer exception page would show exception text.
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        foreach (var argument in arguments.Prepend(assembly).Concat(["--urls", url]))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

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
        return new NodeProcess(label, url, process);
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
                    $"the {Country} node exited with code {_process.ExitCode} before it was ready (its output above, prefixed [{Country}])");
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
        if (!_process.HasExited && !OperatingSystem.IsWindows())
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
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
