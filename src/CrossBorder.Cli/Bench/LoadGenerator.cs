using System.Diagnostics;
using System.Net;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Sends create requests from this process over one shared connection pool, in three shapes:
/// closed loop for a time (throughput), closed loop for a count (end to end) and open loop at a
/// fixed rate (latency, timed from the scheduled send so a slow server cannot hide its queue).
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private readonly HttpClient _http;

    public LoadGenerator(int maxConnections)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary><paramref name="workers"/> loops, each sending its next request when the last answered, for <paramref name="duration"/>.</summary>
    public Task<PhaseResult> ClosedLoopAsync(CreateTarget target, int workers, TimeSpan duration, CancellationToken ct)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return RunWorkersAsync(target, workers, () => Stopwatch.GetTimestamp() < end, ct);
    }

    /// <summary>Exactly <paramref name="total"/> requests, as fast as <paramref name="workers"/> loops can send them.</summary>
    public Task<PhaseResult> ClosedLoopCountAsync(CreateTarget target, int workers, int total, CancellationToken ct)
    {
        var taken = 0;
        return RunWorkersAsync(target, workers, () => Interlocked.Increment(ref taken) <= total, ct);
    }

    /// <summary>
    /// One request every 1/<paramref name="rate"/> s for <paramref name="duration"/>, whether or not earlier
    /// ones answered; each latency runs from the request's scheduled time, not the moment it left.
    /// </summary>
    public async Task<PhaseResult> OpenLoopAsync(CreateTarget target, double rate, TimeSpan duration, CancellationToken ct)
    {
        var recorder = new LatencyRecorder();
        var count = (int)Math.Round(rate * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / rate;
        var inFlight = new List<Task>(count);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            inFlight.Add(SendAsync(target, recorder, due, ct));
        }

        await Task.WhenAll(inFlight);
        return LatencyRecorder.Summarize(target.System, Stopwatch.GetElapsedTime(start), [recorder]) with
        {
            P99BySecond = recorder.P99ByWindow(start, TimeSpan.FromSeconds(1)),
        };
    }

    public void Dispose() => _http.Dispose();

    private async Task<PhaseResult> RunWorkersAsync(CreateTarget target, int workers, Func<bool> next, CancellationToken ct)
    {
        var recorders = Enumerable.Range(0, workers).Select(_ => new LatencyRecorder()).ToArray();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(recorders.Select(recorder => Task.Run(async () =>
        {
            while (next())
            {
                await SendAsync(target, recorder, Stopwatch.GetTimestamp(), ct);
            }
        }, ct)));
        return LatencyRecorder.Summarize(target.System, Stopwatch.GetElapsedTime(start), recorders);
    }

    private async Task SendAsync(CreateTarget target, LatencyRecorder recorder, long startTimestamp, CancellationToken ct)
    {
        try
        {
            using var request = target.NewRequest();
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            var ok = response.IsSuccessStatusCode;
            recorder.Record(startTimestamp, Stopwatch.GetTimestamp(), ok, ok ? null : $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            recorder.Record(startTimestamp, Stopwatch.GetTimestamp(), succeeded: false, e.Message);
        }
    }
}
