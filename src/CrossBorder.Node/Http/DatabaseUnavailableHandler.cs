using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace CrossBorder.Node.Http;

/// <summary>
/// A request that fails because the database is gone (restarting, unreachable, out of connections) answers
/// 503 with Retry-After instead of 500: its transaction never committed, so the client may simply retry
/// (with the same Idempotency-Key on writes). The operator is told once per <see cref="ReportEvery"/>, with the number
/// refused since the last line, rather than once per request: a few seconds of outage under load refused thousands.
/// The refusals counted after the last line are told when their period ends (a timer), or when the node stops, so an
/// outage's tail is not held back until the next outage.
/// </summary>
public sealed class DatabaseUnavailableHandler(ILogger<DatabaseUnavailableHandler> log, TimeProvider time) : IExceptionHandler, IDisposable
{
    public const int RetryAfterSeconds = 2;

    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private DateTimeOffset? _reportedAt;
    private int _refusedSince;
    private string _lastError = "";
    private ITimer? _tail;
    private bool _disposed;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!IsDatabaseUnavailable(exception) || http.Response.HasStarted)
            return false;
        Report(exception.GetType().Name);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await http.Response.WriteAsJsonAsync(Problems.Create(Problems.Unavailable, http), (System.Text.Json.JsonSerializerOptions?)null,
            "application/problem+json", ct);
        return true;
    }

    /// <summary>Logs this refusal (the exception's type only: its message may quote data) unless one was logged lately.</summary>
    private void Report(string error)
    {
        int earlier;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_reportedAt is { } last && now - last < ReportEvery)
            {
                _refusedSince++;
                _lastError = error;
                if (_tail is null && !_disposed)
                {
                    // Not the request's context: the line is not part of its trace, and the timer must not keep it alive.
                    using (ExecutionContext.SuppressFlow())
                        _tail = time.CreateTimer(_ => ReportTail(), null, last + ReportEvery - now, Timeout.InfiniteTimeSpan);
                }
                return;
            }

            earlier = TakeCount();
            _reportedAt = now;
        }

        if (earlier == 0)
            log.LogWarning("Request refused with 503: database unavailable ({Error})", error);
        else
            log.LogWarning("Request refused with 503: database unavailable ({Error}); {Refused} more refused since the last report",
                error, earlier);
    }

    /// <summary>
    /// The refusals counted since the last line, if any: at the end of their period (the outage may be over, and nothing
    /// else would tell them) and when the node stops.
    /// </summary>
    internal void ReportTail()
    {
        int refused;
        string error;
        lock (_gate)
        {
            refused = TakeCount();
            error = _lastError;
            if (refused > 0)
                _reportedAt = time.GetUtcNow();
        }

        if (refused > 0)
            log.LogWarning("{Refused} more requests refused with 503 since the last report: database unavailable ({Error})",
                refused, error);
    }

    public void Dispose()
    {
        lock (_gate)
            _disposed = true;
        ReportTail();
    }

    /// <summary>Under the lock: the count since the last line, reset, and the tail timer (if armed) disarmed.</summary>
    private int TakeCount()
    {
        var count = _refusedSince;
        _refusedSince = 0;
        _tail?.Dispose();
        _tail = null;
        return count;
    }

    /// <summary>True when <paramref name="e"/> (or what it wraps) says the database cannot be used right now.</summary>
    public static bool IsDatabaseUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal)
                                              || p.SqlState is "57P01" or "57P02" or "57P03" or "53300" or "53400":
                case NpgsqlException { IsTransient: true }:
                case TimeoutException:
                case System.Net.Sockets.SocketException:
                    return true;
            }
        }
        return false;
    }
}
