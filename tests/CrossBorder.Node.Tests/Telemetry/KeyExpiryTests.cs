using CrossBorder.Node.Configuration;
using CrossBorder.Node.Telemetry;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Tests.Telemetry;

/// <summary>Key expiry: warn from 30 days before NotAfter, in logs once a day and as a degraded (still ready) node.</summary>
public sealed class KeyExpiryTests
{
    private static (KeyExpiry Keys, TestClock Clock) Expiry(DateTimeOffset? notAfter)
    {
        var clock = new TestClock();
        var node = new NodeOptions { SigningKey = new SigningKeyOptions { Kid = "fr-2026", NotAfter = notAfter } };
        return (new KeyExpiry(Options.Create(node), Options.Create(new TelemetryOptions()), clock), clock);
    }

    [Test]
    public void WarnOncePerDay_KeyWithinWindow_WarnsOnceEachDay()
    {
        var (keys, clock) = Expiry(DateTimeOffset.UtcNow.AddDays(20));
        var watch = new KeyExpiryWatch(keys, clock, NullLogger<KeyExpiryWatch>.Instance);
        Assert.That(watch.WarnOncePerDay(), Is.True);
        Assert.That(watch.WarnOncePerDay(), Is.False, "once a day");
        clock.Advance(TimeSpan.FromDays(1));
        Assert.That(watch.WarnOncePerDay(), Is.True, "again the next day");
    }

    [Test]
    public void Expiring_OutsideWindowOrNoNotAfter_Nothing()
    {
        var (far, farClock) = Expiry(DateTimeOffset.UtcNow.AddDays(31));
        Assert.That(far.Expiring(), Is.Empty);
        Assert.That(far.Keys().Select(k => k.Use), Is.EquivalentTo(new[] { "evidence", "token" }));
        Assert.That(new KeyExpiryWatch(far, farClock, NullLogger<KeyExpiryWatch>.Instance).WarnOncePerDay(), Is.False);
        farClock.Advance(TimeSpan.FromDays(2));
        Assert.That(far.Expiring(), Has.Count.EqualTo(2), "29 days left: inside the window");

        var (none, _) = Expiry(null);
        Assert.That(none.Keys(), Is.Empty, "a key without NotAfter has no series and never warns");
    }

    [Test]
    public async Task KeyExpiryCheck_ExpiringKey_DegradedNamingKidAndDays()
    {
        var (keys, _) = Expiry(DateTimeOffset.UtcNow.AddDays(12.5));
        var result = await new KeyExpiryCheck(keys).CheckHealthAsync(new HealthCheckContext());
        Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(result.Description, Does.Contain("fr-2026").And.Contain("12 days"));
        var (fine, _) = Expiry(DateTimeOffset.UtcNow.AddDays(90));
        Assert.That((await new KeyExpiryCheck(fine).CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Healthy));
    }
}
