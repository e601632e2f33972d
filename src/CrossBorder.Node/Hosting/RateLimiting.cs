using System.Globalization;
using System.Threading.RateLimiting;
using CrossBorder.Node.Auth;

namespace CrossBorder.Node.Hosting;

/// <summary>Per-client request budget (token bucket).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Sustained requests per second for one client (or one address when unauthenticated).</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Burst a client may spend at once.</summary>
    public int Burst { get; set; } = 200;
}

public static class RateLimiting
{
    /// <summary>
    /// One bucket per authenticated client id, or per remote address before authentication, so one
    /// noisy back office cannot starve the peer's deliveries. Refusals are 429 problem documents with
    /// Retry-After.
    /// </summary>
    public static IServiceCollection AddNodeRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var key = http.User.Identity?.IsAuthenticated == true
                    ? "client:" + http.User.ClientId()
                    : "addr:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.Response.WriteAsJsonAsync(Problems.Create(Problems.RateLimited, http, "Slow down and retry after the Retry-After delay."),
                    (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
            };
        });
        return services;
    }
}
