using Microsoft.AspNetCore.RateLimiting;
using System.Globalization;
using System.Threading.RateLimiting;
using CrossBorder.Node.Peers;
namespace CrossBorder.Node.Http;

/// <summary>Per-client request budget (token bucket).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Sustained requests per second for one client (or one address when unauthenticated).</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Burst a client may spend at once.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>
    /// Sustained requests per second for a peer node (its own partition, sized for exchange volume: a busy back
    /// office never slows deliveries from the peer, and the peer's backlog after an outage drains at full speed).
    /// </summary>
    public int PeerPermitsPerSecond { get; set; } = 2000;

    /// <summary>Burst a peer node may spend at once.</summary>
    public int PeerBurst { get; set; } = 4000;

    /// <summary>
    /// Ministry writes that run at once on this replica (<see cref="WriteLimiter"/>): well below the connection pool's
    /// 100, so writes never run it dry and the outbox, the sequencers and the peer's deliveries keep connections. Fewer
    /// (8 was tried) starved creates of CPU beside the unlimited delivery work and shed them at 200/s.
    /// </summary>
    public int MaxConcurrentWrites { get; set; } = 32;

    /// <summary>
    /// Writes that may wait for a slot, oldest first (about two seconds of work at the bench's rate); beyond this a
    /// write answers 503 with Retry-After at once.
    /// </summary>
    public int WriteQueue { get; set; } = 256;
}

/// <summary>The node's one partitioned limiter, shared by the rate-limiting middleware and the headers that announce it.</summary>
public sealed class NodeRateLimiter(RateLimitOptions options) : IDisposable
{
    /// <summary>The policy name in <c>RateLimit</c> and <c>RateLimit-Policy</c> (draft-ietf-httpapi-ratelimit-headers).</summary>
    public const string PolicyName = "client";

    public RateLimitOptions Options { get; } = options;

    public PartitionedRateLimiter<HttpContext> Limiter { get; } = PartitionedRateLimiter.Create<HttpContext, string>(http =>
    {
        var (key, permits, burst, _) = Budget(http, options);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = permits,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    });

    /// <summary>
    /// One bucket per authenticated client id (peer nodes with their own, larger budget), or per remote address
    /// before authentication.
    /// </summary>
    private static (string Key, int Permits, int Burst, string Policy) Budget(HttpContext http, RateLimitOptions o)
    {
        if (http.User.Identity?.IsAuthenticated != true)
            return ("addr:" + http.Connection.RemoteIpAddress, o.PermitsPerSecond, o.Burst, PolicyName);
        var client = http.User.ClientId();
        return PeerIdentity.IsPeer(client)
            ? ("peer:" + client, o.PeerPermitsPerSecond, o.PeerBurst, PeerPolicyName)
            : ("client:" + client, o.PermitsPerSecond, o.Burst, PolicyName);
    }

    /// <summary>The policy name announced to peer nodes.</summary>
    public const string PeerPolicyName = "peer";

    /// <summary><c>RateLimit-Policy</c>: the burst (quota) and the seconds a drained bucket takes to refill (window).</summary>
    public string Policy(HttpContext http)
    {
        var (_, permits, burst, name) = Budget(http, Options);
        return $"\"{name}\";q={burst};w={RefillSeconds(burst, permits)}";
    }

    /// <summary><c>RateLimit</c>: what is left of the caller's quota and the seconds until it is whole again.</summary>
    public string Remaining(HttpContext http)
    {
        var (_, permits, burst, name) = Budget(http, Options);
        var available = Math.Max(0, Limiter.GetStatistics(http)?.CurrentAvailablePermits ?? burst);
        return $"\"{name}\";r={available};t={RefillSeconds(burst - available, permits)}";
    }

    private static string RefillSeconds(long tokens, int permits) =>
        Math.Max(0, (long)Math.Ceiling(tokens / (double)Math.Max(1, permits))).ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Limiter.Dispose();
}

public static class RateLimiting
{
    public const string RateLimitHeader = "RateLimit";
    public const string RateLimitPolicyHeader = "RateLimit-Policy";

    /// <summary>
    /// One bucket per authenticated client id, or per remote address before authentication, so one
    /// noisy back office cannot starve the peer's deliveries. Refusals are 429 problem documents with
    /// Retry-After.
    /// </summary>
    public static IServiceCollection AddNodeRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        var limiter = new NodeRateLimiter(options);
        services.AddSingleton(limiter);
        services.AddSingleton(new WriteLimiter(options));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<Telemetry.NodeMetrics>((o, metrics) =>
        {
            o.GlobalLimiter = limiter.Limiter;
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                metrics.RateLimitRejected(limiter.Policy(http));
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.Response.WriteAsJsonAsync(Problems.Create(Problems.RateLimited, http, "Slow down and retry after the Retry-After delay."),
                    (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
            };
        });
        return services;
    }

    /// <summary>
    /// Every answer announces the caller's budget (draft-ietf-httpapi-ratelimit-headers): <c>RateLimit-Policy</c> and
    /// <c>RateLimit</c>, computed when the answer starts, so they count the request itself.
    /// </summary>
    public static WebApplication UseRateLimitHeaders(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<NodeRateLimiter>();
        app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                http.Response.Headers[RateLimitPolicyHeader] = limiter.Policy(http);
                http.Response.Headers[RateLimitHeader] = limiter.Remaining(http);
                return Task.CompletedTask;
            });
            return next(http);
        });
        return app;
    }
}
