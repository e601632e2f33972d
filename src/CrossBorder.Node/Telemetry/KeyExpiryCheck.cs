using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// Part of readiness: <c>Degraded</c> (still 200, the body says <c>Degraded</c>) while a signing key expires within the
/// warning window, so the node keeps serving and an operator sees it. The health output has no details, so the kid and
/// the days are in the description for health publishers and in the daily log warning (<see cref="KeyExpiryWatch"/>).
/// </summary>
public sealed class KeyExpiryCheck(KeyExpiry keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var expiring = keys.Expiring();
        return Task.FromResult(expiring.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded(string.Join("; ", expiring.Select(k =>
                $"signing key {k.Kid} ({k.Use}) expires in {Math.Floor(keys.DaysLeft(k))} days"))));
    }
}
