namespace CrossBorder.Cli.Bench;

/// <summary>Samples the resident set size of some processes every <c>interval</c> and keeps each one's peak.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly Dictionary<string, int> _processes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, double> _peak = [];

    public RssSampler(Dictionary<string, int> processes, TimeSpan interval)
    {
        _processes = processes;
        Sample();
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result))
                Sample();
        });
    }

    public int Samples { get; private set; }

    /// <summary>The highest RSS seen so far, in MB, by label.</summary>
    public IReadOnlyDictionary<string, double> Peak
    {
        get { lock (_peak) return new Dictionary<string, double>(_peak); }
    }

    private void Sample()
    {
        lock (_peak)
        {
            foreach (var (label, pid) in _processes)
            {
                var mb = ProcessMemory.ResidentMegabytes(pid);
                _peak[label] = Math.Max(_peak.GetValueOrDefault(label), mb);
            }
            Samples++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Sample();
        _stop.Dispose();
    }
}
