using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// What a replica knows of its peer decides what the outbox claims: nothing while paused, one message at a time while
/// the peer is failing (the probe), everything once a call got through.
/// </summary>
public sealed class PeerHealthTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(5);

    [Test]
    public void AFailingPeer_IsProbed_OncePerBreak_ThenRecovers()
    {
        var health = new PeerHealth(new TestClock());
        Assert.That(health.Probing(), Is.Empty);

        health.Failed("GB");
        Assert.That(health.Probing(), Is.EqualTo(new[] { "GB" }), "one message at a time until one gets through");
        Assert.That(health.ProbesDue(Break), Is.EqualTo(new[] { "GB" }));
        Assert.That(health.ProbesDue(Break), Is.Empty, "probed within the break");

        Assert.That(health.Recovered("GB"), Is.True, "it was failing");
        Assert.That(health.Probing(), Is.Empty);
        Assert.That(health.Recovered("GB"), Is.False);
    }

    [Test]
    public void TheCircuitClosing_EndsItsHold_AndMakesAProbeDue_ButNotThePeersRetryAfter()
    {
        var health = new PeerHealth(new TestClock());
        health.Failed("GB");
        Assert.That(health.ProbesDue(Break), Is.EqualTo(new[] { "GB" }));

        // The half-open circuit's one call went to another caller (the audit witness): the delivery was held for a break.
        health.Hold("GB", Break, health.CircuitGeneration("GB"));
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }));
        Assert.That(health.Probing(), Is.Empty, "paused: not even a probe");

        // That call got through and closed the circuit: probe now, not a break later.
        health.CircuitClosed("GB");
        Assert.That(health.Paused(), Is.Empty);
        Assert.That(health.Probing(), Is.EqualTo(new[] { "GB" }));
        Assert.That(health.ProbesDue(Break), Is.EqualTo(new[] { "GB" }), "owed a probe at once");

        // A 429's Retry-After is the peer's word: a closing circuit does not lift it.
        health.Pause("GB", Break);
        health.CircuitClosed("GB");
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }));
        Assert.That(health.StateOf("GB").PausedUntil, Is.Not.Null);
    }

    [Test]
    public void AHoldThatComesBackAfterTheCircuitClosed_HoldsNothing()
    {
        var health = new PeerHealth(new TestClock());
        health.Failed("GB");
        var sendBegan = health.CircuitGeneration("GB");
        // Refused by the half-open circuit; the call it yielded to closes the circuit before the refusal is recorded.
        health.CircuitClosed("GB");
        health.Hold("GB", Break, sendBegan);
        Assert.That(health.Paused(), Is.Empty);
        Assert.That(health.Probing(), Is.EqualTo(new[] { "GB" }));

        health.Hold("GB", Break, health.CircuitGeneration("GB"));
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }), "a hold from after the closing holds");
    }

    [Test]
    public void AnotherPeersCircuitClosing_LiftsNoHoldOfThisOne()
    {
        var health = new PeerHealth(new TestClock());
        health.Failed("GB");
        health.Failed("DE");
        health.Hold("GB", Break, health.CircuitGeneration("GB"));
        var deSendBegan = health.CircuitGeneration("DE");

        health.CircuitClosed("DE");
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }), "GB's circuit is still open");
        Assert.That(health.CircuitGeneration("GB"), Is.Zero);

        health.Hold("DE", Break, deSendBegan);
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }), "DE's late hold comes after DE's circuit closed");
    }

    [Test]
    public void APeerThatAnswers_IsNoLongerProbed_ButItsRetryAfterStays()
    {
        var health = new PeerHealth(new TestClock());
        health.Failed("GB");
        health.Pause("GB", Break); // a 429
        Assert.That(health.Reachable("GB"), Is.True, "it was failing: the caller wakes the backlog");
        Assert.That(health.Reachable("GB"), Is.False);
        Assert.That(health.Paused(), Is.EqualTo(new[] { "GB" }), "the peer's Retry-After");
        Assert.That(health.Probing(), Is.Empty);
        Assert.That(health.BreakerState("GB"), Is.Zero);
    }
}
