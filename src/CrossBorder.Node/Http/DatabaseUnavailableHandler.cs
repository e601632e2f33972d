using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace CrossBorder.Node.Http;

/// <summary>
/// A request that fails because the database is gone (restarting, unreachable, out of connections) answers
/// 503 with Retry-After instead of 500: its transaction never committed, so the client may simply retry
/// (with the same Idempotency-Key on writes). The operator is told once per <see cref="ReportEvery"/>, with the number
/// refused since the last line, rather than once per request: a few seconds of outage under load refused thousands.
/// </summary>
public sealed class DatabaseUnavailableHandler(ILogger<DatabaseUnavailableHandler> log, TimeProvider time) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private DateTimeOffset? _reportedAt;
    private int _refusedSince;

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
                return;
            }

            earlier = _refusedSince;
            _refusedSince = 0;
            _reportedAt = now;
        }

        if (earlier == 0)
            log.LogWarning("Request refused with 503: database unavailable ({Error})", error);
        else
            log.LogWarning("Request refused with 503: database unavailable ({Error}); {Refused} more refused since the last report",
                error, earlier);
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
