using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace CrossBorder.Node.Http;

/// <summary>
/// A request that fails because the database is gone (restarting, unreachable, out of connections) answers
/// 503 with Retry-After instead of 500: its transaction never committed, so the client may simply retry
/// (with the same Idempotency-Key on writes).
/// </summary>
public sealed class DatabaseUnavailableHandler(ILogger<DatabaseUnavailableHandler> log) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!IsDatabaseUnavailable(exception) || http.Response.HasStarted)
            return false;
        log.LogWarning("Request refused with 503: database unavailable ({Error})", exception.GetType().Name);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await http.Response.WriteAsJsonAsync(Problems.Create(Problems.Unavailable, http), (System.Text.Json.JsonSerializerOptions?)null,
            "application/problem+json", ct);
        return true;
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
