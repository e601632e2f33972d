using System.Globalization;
using System.Threading.RateLimiting;

namespace CrossBorder.Node.Http;

/// <summary>
/// Load shedding for the ministry API's writes (issue 9). At most <see cref="RateLimitOptions.MaxConcurrentWrites"/>
/// writes run at once and <see cref="RateLimitOptions.WriteQueue"/> wait their turn, oldest first; a write beyond that
/// answers 503 with Retry-After at once, nothing changed. Without it, an overloaded node took every request in: each
/// held a pooled connection and a transaction while it waited for the CPU, PostgreSQL ran a hundred backends on two
/// cores, the pool ran dry and requests failed after 15-30 s instead of at once. Peer deliveries are not limited here:
/// the peer's dispatcher bounds its own sends, and a 503 would count against the peer's circuit breaker.
/// </summary>
public sealed class WriteLimiter(RateLimitOptions options) : IDisposable
{
    public const int RetryAfterSeconds = 1;

    private static int Permits(RateLimitOptions options) => Math.Max(1, options.MaxConcurrentWrites);

    private readonly int _permits = Permits(options);

    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Permits(options),
        QueueLimit = Math.Max(0, options.WriteQueue),
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    private readonly int _busyAt = Math.Max(2, Permits(options) / 4);
    private long _busyUntil; // Environment.TickCount64

    /// <summary>How long the node counts as busy after its writes last filled a quarter of their slots.</summary>
    public static readonly TimeSpan BusyHold = TimeSpan.FromMilliseconds(500);

    /// <summary>A ministry write: a POST under <c>/api/v1</c> (creates, steps, operator re-drives).</summary>
    public static bool IsWrite(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/api/v1");

    /// <summary>
    /// Whether this replica's ministry writes keep it busy: within the last <see cref="BusyHold"/>, a write started
    /// with a quarter of the write slots (8 of 32) taken. At a steady 200 creates/s one or two run at once; a burst of
    /// a ministry's back office fills them. The count of writes running swings from one moment to the next while the
    /// burst lasts (requests wait for the CPU before and after their slot), hence the hold. The outbox then sends fewer
    /// messages at once (<see cref="Exchange.ExchangeOptions.ParallelSendsWhileBusy"/>).
    /// </summary>
    public bool Busy => Environment.TickCount64 < Volatile.Read(ref _busyUntil);

    /// <summary>Writes waiting for a slot now (a test awaits a write queued, then gone).</summary>
    internal long QueuedCount => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    public async ValueTask<RateLimitLease> AcquireAsync(CancellationToken ct)
    {
        var lease = await _limiter.AcquireAsync(1, ct);
        if (lease.IsAcquired && _limiter.GetStatistics() is { } s && _permits - s.CurrentAvailablePermits >= _busyAt)
            Volatile.Write(ref _busyUntil, Environment.TickCount64 + (long)BusyHold.TotalMilliseconds);
        return lease;
    }

    public void Dispose() => _limiter.Dispose();
}

public static class WriteLimiting
{
    /// <summary>After authentication and the per-client budget: a refused or unauthenticated request takes no write slot.</summary>
    public static WebApplication UseWriteLimiter(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<WriteLimiter>();
        var metrics = app.Services.GetRequiredService<Telemetry.NodeMetrics>();
        app.Use(async (http, next) =>
        {
            if (!WriteLimiter.IsWrite(http.Request))
            {
                await next(http);
                return;
            }
            using var lease = await limiter.AcquireAsync(UnitsRunToTheEnd.CallerGone(http)); // waiting for a slot is no statement
            if (!lease.IsAcquired)
            {
                metrics.WriteShed();
                http.Response.Headers.RetryAfter = WriteLimiter.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await Problems.AtCapacity.Result(http, "Too many writes are running or waiting on this node; nothing was changed. Retry after the Retry-After delay.")
                    .ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }
}
