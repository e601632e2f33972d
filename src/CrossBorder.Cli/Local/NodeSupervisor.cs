using System.Diagnostics;

namespace CrossBorder.Cli.Local;

/// <summary>
/// Keeps one node of the local pair running: starts it with its output in a log file, and once it has been
/// ready, starts it again whenever it exits, after a back-off that doubles from 1 s up to 30 s (reset once the
/// node has stayed up for a minute), saying so on the console each time.
/// </summary>
public sealed class NodeSupervisor : IAsyncDisposable
{
    public const string CommandLineMark = "CrossBorder.Node.dll";

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly DevNode _node;
    private readonly string _assembly;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly TimeSpan _readyTimeout;
    private readonly TextWriter _output;
    private NodeProcess? _current;

    public NodeSupervisor(DevNode node, string assembly, string logFile, string metricsUrl,
        IReadOnlyDictionary<string, string> environment, TimeSpan readyTimeout, TextWriter output)
    {
        _node = node;
        _assembly = assembly;
        LogFile = logFile;
        MetricsUrl = metricsUrl;
        _environment = environment;
        _readyTimeout = readyTimeout;
        _output = output;
    }

    /// <summary>Raised after a restart started a new process (its pid changed).</summary>
    public event Action? Restarted;

    public string Country => _node.Country;

    public string Url => _node.Url;

    public string MetricsUrl { get; }

    public string LogFile { get; }

    public int ProcessId => _current?.ProcessId ?? 0;

    public int Restarts { get; private set; }

    public UpNodeState State => new(Country, ProcessId, Url, MetricsUrl, LogFile, Restarts);

    /// <summary>Starts the node and waits until it is ready; throws (naming its log) if it exits or times out first.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        _current = NodeProcess.StartLogged(_node, _assembly, LogFile, _environment);
        await _current.WaitUntilReadyAsync(_readyTimeout, ct);
    }

    /// <summary>Restarts the node each time it exits, until <paramref name="stop"/> is cancelled.</summary>
    public async Task SuperviseAsync(CancellationToken stop)
    {
        var delay = FirstDelay;
        var startedAt = Stopwatch.StartNew();
        while (_current is not null)
        {
            try
            {
                await _current.Exited.WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (startedAt.Elapsed >= StableAfter)
                delay = FirstDelay;
            Restarts++;
            await _output.WriteLineAsync(
                $"{Now()} {Country} node exited (code {_current.ExitCode}); restarting it in {delay.TotalSeconds:0} s (restart {Restarts}; log {LogFile})");
            try
            {
                await Task.Delay(delay, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            await _current.DisposeAsync();
            _current = NodeProcess.StartLogged(_node, _assembly, LogFile, _environment);
            startedAt.Restart();
            Restarted?.Invoke();
            try
            {
                await _current.WaitUntilReadyAsync(_readyTimeout, stop);
                await _output.WriteLineAsync($"{Now()} {Country} node restarted and ready (pid {_current.ProcessId})");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // It exited again (the loop restarts it, waiting longer) or is up but not ready (e.g. no database): say so.
                await _output.WriteLineAsync($"{Now()} {e.Message}");
            }
        }
    }

    /// <summary>Stops the node (SIGTERM, then a kill after 10 s).</summary>
    public async Task StopAsync()
    {
        if (_current is not null)
            await _current.StopAsync(StopGrace);
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is not null)
            await _current.DisposeAsync();
        _current = null;
    }

    private static string Now() => DateTimeOffset.Now.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
}
