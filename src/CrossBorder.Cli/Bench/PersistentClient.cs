using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Calls a node as a careful ministry system does while nodes crash and the database restarts: a request that gets no
/// answer, a 5xx, a 409 "in flight" or a 429 is sent again, the same request (same <c>Idempotency-Key</c>) after
/// <c>Retry-After</c> (capped) or a growing pause, until the node answers 2xx; a 401 renews the token first. What it
/// counts: every answer by status, the retries, and the answers no retry mends (a 500, which the node must never
/// give, or another 4xx).
/// </summary>
public sealed class PersistentClient(DevNode node, TimeSpan giveUpAfter) : IDisposable
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
        BaseAddress = new Uri(node.Url + "/"),
        Timeout = TimeSpan.FromSeconds(15),
    };

    private readonly RenewableToken _token = new(node);
    private int _retried;

    /// <summary>Requests given up after <c>giveUpAfter</c> of attempts (a failure of the campaign).</summary>
    public ConcurrentBag<string> GivenUp { get; } = [];

    /// <summary>Answers by status code ("201", "503", "no answer"), all attempts.</summary>
    public ConcurrentDictionary<string, int> Answers { get; } = new();

    /// <summary>Answers no retry can mend: a 500, or a 4xx other than 401, 409 and 429 (first few kept).</summary>
    public ConcurrentQueue<string> Wrong { get; } = new();

    public int Retried => _retried;

    /// <summary>How long one request is tried before it is given up.</summary>
    public TimeSpan GiveUpAfter => giveUpAfter;

    /// <summary>
    /// Sends what <paramref name="build"/> makes (a new message per attempt, the same request each time) until a 2xx or
    /// one of the <paramref name="outcomes"/> the caller handles itself (as <c>"412"</c> or <c>"409 CB0016"</c>), and
    /// returns that answer; null when refused (recorded in <see cref="Wrong"/>) or given up.
    /// </summary>
    public async Task<Answer?> SendAsync(string what, Func<HttpRequestMessage> build, CancellationToken ct,
        params IReadOnlyCollection<string> outcomes)
    {
        var watch = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
                Interlocked.Increment(ref _retried);
            var (status, retryAfter, answer) = await AttemptAsync(build, outcomes, ct);
            Answers.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (answer is not null)
                return answer;

            if (status is "500" || (status.StartsWith('4') && status is not ("401" or "409" or "429")))
            {
                if (Wrong.Count < 20)
                    Wrong.Enqueue($"{status} for {what} on attempt {attempt + 1}");
                if (status is not "500")
                    return null; // a refusal of the request itself: sending it again gets the same answer
            }

            if (watch.Elapsed > giveUpAfter)
            {
                GivenUp.Add($"{what}: last answer {status} after {attempt + 1} attempts");
                return null;
            }

            await Task.Delay(retryAfter is { } after && after < MaxBackoff ? after : Backoff(attempt), ct);
        }
    }

    /// <summary>
    /// A ministry's JSON write as the campaign sends it: <paramref name="body"/> to <paramref name="path"/> with its
    /// <c>Idempotency-Key</c>, and <c>If-Match</c> when a step names the version it was read at.
    /// </summary>
    public static HttpRequestMessage PostJson(string path, byte[] body, string idempotencyKey, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt, 5)) * (0.5 + Random.Shared.NextDouble())));

    private async Task<(string Status, TimeSpan? RetryAfter, Answer? Answer)> AttemptAsync(Func<HttpRequestMessage> build,
        IReadOnlyCollection<string> outcomes, CancellationToken ct)
    {
        try
        {
            var token = await _token.CurrentAsync(ct);
            using var request = build();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request, ct);
            var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                await _token.RenewAsync(token, ct);
            // A 409 is retried only for "still in flight" (CB0005); a step not allowed (CB0016) is an answer, not a wait.
            if (response.StatusCode == HttpStatusCode.Conflict && await ProblemCodeAsync(response, ct) is { } code and not "CB0005")
                status = $"409 {code}";
            if (!response.IsSuccessStatusCode && !outcomes.Contains(status))
                return (status, response.Headers.RetryAfter?.Delta, null);
            return (status, null, new Answer(status, await BodyAsync(response, ct), response.Headers.ETag?.ToString()));
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return ("no answer", null, null);
        }
    }

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response, CancellationToken ct) =>
        await BodyAsync(response, ct) is { ValueKind: JsonValueKind.Object } problem
        && problem.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
            ? code.GetString()
            : null;

    /// <summary>The answer's JSON (read once: the content is buffered), or an undefined element when it has none.</summary>
    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (bytes.Length == 0)
                return default;
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _token.Dispose();
    }
}

/// <summary>A 2xx answer, or one the caller named as an outcome: its status (as counted), JSON body and ETag.</summary>
public sealed record Answer(string Status, JsonElement Body, string? ETag)
{
    public bool Succeeded => Status.StartsWith('2');
}
