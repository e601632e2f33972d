using System.Collections.Concurrent;
using System.Diagnostics;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Creates referrals at a steady rate through a <see cref="PersistentClient"/>: each referral has one
/// <c>Idempotency-Key</c> for all its attempts and is sent until the node acknowledges it with 201.
/// </summary>
public sealed class PersistentCreator(PersistentClient client, byte[] body)
{
    private int _started;

    /// <summary>The client it creates through: its answers, retries and give-ups.</summary>
    public PersistentClient Client => client;

    /// <summary>Referral id of each acknowledged create.</summary>
    public ConcurrentBag<Guid> Acknowledged { get; } = [];

    /// <summary>Creates started (each acknowledged, given up, or refused).</summary>
    public int Started => _started;

    /// <summary>
    /// Starts <paramref name="rate"/> creates per second until <paramref name="until"/> completes, then waits until
    /// each has been acknowledged (or given up).
    /// </summary>
    public async Task RunAsync(double rate, Task until, CancellationToken ct)
    {
        var interval = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        var running = new List<Task>();
        for (var i = 0; !until.IsCompleted; i++)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(i * interval));
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.WhenAny(Task.Delay(wait, ct), until);
            if (until.IsCompleted)
                break;
            running.Add(CreateOneAsync(ct));
        }

        await Task.WhenAll(running);
    }

    private async Task CreateOneAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _started);
        var key = Guid.NewGuid().ToString("N");
        var answer = await client.SendAsync($"create with key {key}", () => PersistentClient.PostJson("api/v1/referrals", body, key), ct);
        if (answer is not null)
            Acknowledged.Add(answer.Body.GetProperty("id").GetGuid());
    }
}
