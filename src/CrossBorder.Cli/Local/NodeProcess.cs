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

    public static NodeProcess Start(DevNode node, string nodeAssembly)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(nodeAssembly)!,
            // Production error handling locally too: the developer exception page would show exception text.
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        foreach (var argument in new[] { nodeAssembly, "--config", node.ConfigPath, "--urls", node.Url })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        var prefix = $"[{node.Country}] ";
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Out.WriteLine(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(prefix + e.Data); };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start the {node.Country} node");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(node.Country, node.Url, process);
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200; fails if the node dies or time runs out.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
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

            await Task.Delay(PollInterval, ct);
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
