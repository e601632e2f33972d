using CrossBorder.Node.Workers;

namespace CrossBorder.Node.Telemetry;

/// <summary>Logs a warning once a day while a signing key expires within the warning window.</summary>
public sealed class KeyExpiryWatch(KeyExpiry keys, TimeProvider time, ILogger<KeyExpiryWatch> log) : NodeWorker(log)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromHours(1);
    private DateOnly _warnedOn;

    protected override string Name => "Key expiry watch";

    protected override async Task RunAsync(CancellationToken ct)
    {
        while (!Waits.IsCancellationRequested)
        {
            WarnOncePerDay();
            await Task.Delay(CheckEvery, Waits);
        }
    }

    /// <summary>Warns about every expiring key unless it already did today; true when it warned.</summary>
    public bool WarnOncePerDay()
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var expiring = keys.Expiring();
        if (expiring.Count == 0 || _warnedOn == today) return false;
        _warnedOn = today;
        foreach (var key in expiring)
        {
            log.LogWarning("Signing key {Kid} ({Use}) expires in {Days} days, at {NotAfter:O}: rotate it (crossborder keys rotate)",
                key.Kid, key.Use, Math.Floor(keys.DaysLeft(key)), key.NotAfter);
        }
        return true;
    }
}
