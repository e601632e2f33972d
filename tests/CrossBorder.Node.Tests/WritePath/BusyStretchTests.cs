using System.Diagnostics;
using CrossBorder.Node.Exchange;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>The outbox defers to busy writes for at most Exchange:MaxBusyDeferral at a stretch, and short pauses do not start a new one.</summary>
public sealed class BusyStretchTests
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(60);

    private static long At(double seconds) => 1_000 * Stopwatch.Frequency + (long)(seconds * Stopwatch.Frequency);

    [Test]
    public void ALoadThatPausesNowAndThen_IsOneStretch_DeferredForAtMostTheBound()
    {
        var stretch = new BusyStretch();
        var deferred = new List<double>();
        // Busy 4 s, quiet 2 s, over and over: every pause is shorter than the gap.
        for (var t = 0.0; t < 120; t += 0.25)
            if (stretch.Deferring(busy: t % 6 < 4, At(t), Max))
                deferred.Add(t);
        Assert.That(deferred, Is.Not.Empty);
        Assert.That(deferred.Max(), Is.LessThan(60), "no deferral after 60 s of the same stretch");
    }

    [Test]
    public void APauseOfTheGap_EndsTheStretch_TheNextBurstIsDeferredAgain()
    {
        var stretch = new BusyStretch();
        Assert.That(stretch.Deferring(busy: true, At(0), Max), Is.True);
        Assert.That(stretch.Deferring(busy: true, At(61), Max), Is.False, "past the bound");
        Assert.That(stretch.Deferring(busy: false, At(62), Max), Is.False);
        Assert.That(stretch.Deferring(busy: true, At(63), Max), Is.False, "a 2 s pause: still the same stretch");
        Assert.That(stretch.Deferring(busy: false, At(63 + BusyStretch.Gap.TotalSeconds), Max), Is.False);
        Assert.That(stretch.Deferring(busy: true, At(70), Max), Is.True, "after a pause of the gap: a new stretch");
    }

    [Test]
    public void ZeroBound_NeverDefers() =>
        Assert.That(new BusyStretch().Deferring(busy: true, At(0), TimeSpan.Zero), Is.False);
}
