using System.Diagnostics;
using CrossBorder.Node.Workers;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// The in-process wake-up a commit gives a worker: notifications before a wait coalesce into one wake-up, a
/// notification after a wait wakes the next one, and a wait without one times out. A spaced wait serves a notification
/// no sooner than its spacing after the worker's last round, and at once after a quiet spell.
/// </summary>
public sealed class WorkSignalTests
{
    [Test]
    public async Task ManyNotifications_WakeOneWait_ThenTheNextWaitTimesOut()
    {
        var signal = new WorkSignal();
        for (var i = 0; i < 1000; i++)
            signal.Notify();

        Assert.That(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None), Is.True);
        Assert.That(await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None), Is.False,
            "the notifications before the first wait counted as one");
    }

    [Test]
    public async Task ANotificationAfterAWakeUp_WakesTheNextWait()
    {
        var signal = new WorkSignal();
        signal.Notify();
        Assert.That(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None), Is.True);

        var waiting = signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.That(waiting.IsCompleted, Is.False);
        signal.Notify();
        Assert.That(await waiting, Is.True);
    }

    [Test]
    public void NotifyingASignalledSignal_ThrowsNothing_NotEvenInternally()
    {
        // Notify runs after every commit that queued work: under load the signal is nearly always set already, and a
        // caught SemaphoreFullException per commit cost ~1% of a node's CPU. Counted on this thread only (other tests'
        // nodes run in this process).
        var signal = new WorkSignal();
        var thread = Environment.CurrentManagedThreadId;
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
                Interlocked.Increment(ref thrown);
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            for (var i = 0; i < 1000; i++)
                signal.Notify();
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.That(thrown, Is.Zero);
    }

    [Test]
    public async Task NotificationsFromManyThreads_NeverThrow_AndWakeTheWaiter()
    {
        var signal = new WorkSignal();
        var waiting = signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
                signal.Notify();
        })));

        Assert.That(await waiting, Is.True);
        Assert.That(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None), Is.True,
            "notifications after the first wake-up left one for the next wait");
    }

    [Test]
    public async Task ASpacedWait_NotifiedSoonAfterTheLastRound_ReturnsOnlyOnceTheSpacingHasPassed()
    {
        var signal = new WorkSignal();
        var lastRound = Stopwatch.GetTimestamp();
        signal.Notify();

        Assert.That(await signal.WaitSpacedAsync(TimeSpan.FromSeconds(30), lastRound, TimeSpan.FromMilliseconds(400), CancellationToken.None),
            Is.True);
        Assert.That(Stopwatch.GetElapsedTime(lastRound), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(400)),
            "the commits of the spacing's window wait for one round");
    }

    [Test]
    public async Task ASpacedWait_NotifiedAfterAQuietSpell_ReturnsAtOnce()
    {
        var signal = new WorkSignal();
        var lastRound = Stopwatch.GetTimestamp() - 120 * Stopwatch.Frequency; // two minutes ago
        signal.Notify();

        var waited = Stopwatch.StartNew();
        Assert.That(await signal.WaitSpacedAsync(TimeSpan.FromSeconds(30), lastRound, TimeSpan.FromSeconds(60), CancellationToken.None),
            Is.True);
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "the last round was longer ago than the spacing");
    }

    [Test]
    public async Task ASpacedWait_WithoutANotification_TimesOutWithoutAddingTheSpacing()
    {
        var signal = new WorkSignal();
        var waited = Stopwatch.StartNew();
        Assert.That(await signal.WaitSpacedAsync(TimeSpan.FromMilliseconds(50), Stopwatch.GetTimestamp(), TimeSpan.FromSeconds(60),
            CancellationToken.None), Is.False);
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "a poll is not a notification: no spacing");
    }
}
