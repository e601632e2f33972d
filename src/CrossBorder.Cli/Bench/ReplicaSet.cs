using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// One country's replicas for <c>bench faults</c>: the same node configuration (one database, one public URL: the
/// <see cref="TcpFront"/> on the node's port) run as several processes on ports of their own. It kills a replica when
/// told to, and watches for the exit nobody asked for: a node that stops by itself is recorded and started again, so
/// the campaign goes on and the report names it.
/// </summary>
public sealed class ReplicaSet : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private readonly DevNode _node;
    private readonly string _assembly;
    private readonly string _logDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Replica[] _replicas;
    private readonly List<string> _unexpectedExits = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TcpFront? _front;
    private Task? _watching;

    public ReplicaSet(DevNode node, int replicas, string assembly, string logDirectory, IReadOnlyDictionary<string, string> environment)
    {
        _node = node;
        _assembly = assembly;
        _logDirectory = logDirectory;
        _environment = environment;
        _replicas = [.. Enumerable.Range(1, replicas).Select(i => new Replica($"{node.Country}-{i}", node.Port + i))];
    }

    public string Country => _node.Country;

    public IReadOnlyList<string> Labels => [.. _replicas.Select(r => r.Label)];

    /// <summary>Exits nobody asked for ("FR-2 exited with code 0 at 12:03:04"), in order.</summary>
    public IReadOnlyList<string> UnexpectedExits
    {
        get { lock (_gate) return [.. _unexpectedExits]; }
    }

    public async Task StartAsync(CancellationToken ct)
    {
        foreach (var replica in _replicas)
            PortCheck.EnsureFree(replica.Port, $"{replica.Label} replica", "--base-port");
        PortCheck.EnsureFree(_node.Port, $"{_node.Country} front", "--base-port");
        _front = new TcpFront(_node.Port, _replicas.Select(r => r.Port));
        foreach (var replica in _replicas)
            await StartReplicaAsync(replica, ct);
        _watching = WatchAsync(_stop.Token);
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it: no shutdown, no drain.</summary>
    public async Task KillAsync(int index)
    {
        var replica = _replicas[index];
        NodeProcess? process;
        lock (_gate)
        {
            process = replica.Process;
            replica.Process = null;
            // Gone before the kill: it stopped by itself in the moments since the watcher last looked.
            if (process is { ExitCode: { } code })
                RecordUnaskedExit(replica, code);
        }

        if (process is null)
            return;
        NativeSignals.Send(process.ProcessId, NativeSignals.SigKill);
        await process.Exited;
        await process.DisposeAsync();
    }

    /// <summary>The process id of replica <paramref name="index"/> while it runs (tests end it from outside, as a crash would).</summary>
    public int? ProcessId(int index)
    {
        lock (_gate)
            return _replicas[index].Process is { ExitCode: null } process ? process.ProcessId : null;
    }

    /// <summary>Starts a replica that was killed, and waits until it is ready.</summary>
    public Task RestartAsync(int index, CancellationToken ct) => StartReplicaAsync(_replicas[index], ct);

    public async Task KillAllAsync()
    {
        for (var i = 0; i < _replicas.Length; i++)
            await KillAsync(i);
    }

    public async Task RestartAllAsync(CancellationToken ct)
    {
        await Task.WhenAll(Enumerable.Range(0, _replicas.Length).Select(i => RestartAsync(i, ct)));
    }

    private async Task StartReplicaAsync(Replica replica, CancellationToken ct)
    {
        var process = NodeProcess.StartLogged(_node with { Port = replica.Port }, _assembly,
            Path.Combine(_logDirectory, replica.Label + ".log"), _environment);
        lock (_gate)
            replica.Process = process;
        await process.WaitUntilReadyAsync(ReadyTimeout, ct, TimeSpan.FromMilliseconds(100));
    }

    /// <summary>
    /// Looks at every replica every 200 ms; one that exited unasked is recorded and started again in the background, so
    /// the others are still watched while it starts.
    /// </summary>
    private async Task WatchAsync(CancellationToken ct)
    {
        var restarts = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            foreach (var replica in _replicas)
            {
                NodeProcess? exited = null;
                lock (_gate)
                {
                    if (replica.Process is { ExitCode: { } code } process)
                    {
                        RecordUnaskedExit(replica, code);
                        exited = process;
                        replica.Process = null;
                    }
                }

                if (exited is not null)
                    restarts.Add(RestartUnaskedAsync(replica, exited, ct));
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(restarts);
    }

    private async Task RestartUnaskedAsync(Replica replica, NodeProcess exited, CancellationToken ct)
    {
        await exited.DisposeAsync();
        try
        {
            await StartReplicaAsync(replica, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the campaign is over; DisposeAsync stops what started
        }
        catch (Exception e)
        {
            lock (_gate)
                _unexpectedExits.Add($"{replica.Label} did not start again: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync();
            if (_watching is not null)
                await _watching;
        }
        finally
        {
            NodeProcess[] running;
            lock (_gate)
            {
                running = [.. _replicas.Select(r => r.Process).OfType<NodeProcess>()];
                foreach (var replica in _replicas)
                    replica.Process = null;
            }

            await Task.WhenAll(running.Select(p => p.StopAsync(TimeSpan.FromSeconds(10))));
            foreach (var process in running)
                await process.DisposeAsync();
            if (_front is not null)
                await _front.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>Under <c>_gate</c>: a replica that exited although nobody asked it to.</summary>
    private void RecordUnaskedExit(Replica replica, int code) =>
        _unexpectedExits.Add($"{replica.Label} exited by itself with code {code} at {DateTimeOffset.UtcNow:HH:mm:ss}");

    private sealed class Replica(string label, int port)
    {
        public string Label { get; } = label;
        public int Port { get; } = port;
        public NodeProcess? Process { get; set; }
    }
}
