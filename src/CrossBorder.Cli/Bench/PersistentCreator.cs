using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Creates referrals as a careful ministry system does while nodes crash and the database restarts: each referral
/// has one <c>Idempotency-Key</c> for all its attempts, and an attempt that gets no answer, a 5xx, a 409 "in flight"
/// or a 429 is sent again (after <c>Retry-After</c>, capped) until the node acknowledges it with 201. What it
/// counts: the acknowledged referral ids, every answer by status, and the 500s (which the node must never give).
/// </summary>
public sealed class PersistentCreator(DevNode node, byte[] body, TimeSpan giveUpAfter) : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 64,
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    private readonly RenewableToken _token = new(node);

    /// <summary>Referral id of each acknowledged create.</summary>
    public ConcurrentBag<Guid> Acknowledged { get; } = [];

    /// <summary>Creates given up after <c>giveUpAfter</c> of attempts (a failure of the campaign).</summary>
    public ConcurrentBag<string> GivenUp { get; } = [];

    /// <summary>Answers by status code ("201", "503", "no answer"), all attempts.</summary>
    public ConcurrentDictionary<string, int> Answers { get; } = new();

    /// <summary>Answers no retry can mend: a 500, or a 4xx other than 401, 409 and 429 (first few kept).</summary>
    public ConcurrentQueue<string> Wrong { get; } = new();

    public int Retried => _retried;

    private int _retried;

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

    /// <summary>Creates started (each acknowledged, given up, or refused).</summary>
    public int Started => _started;

    private int _started;

    private async Task CreateOneAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _started);
        var key = Guid.NewGuid().ToString("N");
        var watch = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
                Interlocked.Increment(ref _retried);
            var (status, retryAfter, id) = await SendAsync(key, ct);
            Answers.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (id is { } created)
            {
                Acknowledged.Add(created);
                return;
            }

            if (status is "500" || (status.StartsWith('4') && status is not ("401" or "409" or "429")))
            {
                if (Wrong.Count < 20)
                    Wrong.Enqueue($"{status} for key {key} on attempt {attempt + 1}");
                if (status is not "500")
                    return; // a refusal of the request itself: sending it again gets the same answer
            }

            if (watch.Elapsed > giveUpAfter)
            {
                GivenUp.Add($"key {key}: last answer {status} after {attempt + 1} attempts");
                return;
            }

            await Task.Delay(retryAfter is { } after && after < MaxBackoff ? after : Backoff(attempt), ct);
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt, 5)) * (0.5 + Random.Shared.NextDouble())));

    private async Task<(string Status, TimeSpan? RetryAfter, Guid? Id)> SendAsync(string key, CancellationToken ct)
    {
        try
        {
            var token = await _token.CurrentAsync(ct);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{node.Url}/api/v1/referrals") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request, ct);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                await _token.RenewAsync(token, ct);
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
                return (status, null, document.RootElement.GetProperty("id").GetGuid());
            }

            return (status, response.Headers.RetryAfter?.Delta, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return ("no answer", null, null);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _token.Dispose();
    }
}
