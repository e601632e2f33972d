using CrossBorder.Node.Data;
using CrossBorder.Node.Keys;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CrossBorder.Node.Health;

public static class HealthEndpoints
{
    public static IServiceCollection AddNodeHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ReadinessCheck>("ready", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Ready = the database answers, every migration is applied and the signing key is loaded.</summary>
public sealed class ReadinessCheck(NodeDbContext db, NodeKeys keys) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            if (!await db.Database.CanConnectAsync(ct))
                return HealthCheckResult.Unhealthy("database unreachable");
            if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
                return HealthCheckResult.Unhealthy("migrations pending");
            return keys.Published.Keys.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no signing key");
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
