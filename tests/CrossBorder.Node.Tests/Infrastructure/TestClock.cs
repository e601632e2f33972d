namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>
/// Real time plus an offset tests can move forward. A node's clock may follow a shared one (the pair's), plus its
/// own offset: moving the shared clock moves both nodes, moving a node's clock sets the two apart.
/// </summary>
public sealed class TestClock(TestClock? parent = null) : TimeProvider
{
    private long _offsetTicks;
    private long _frozenTicks;

    public override DateTimeOffset GetUtcNow() => Interlocked.Read(ref _frozenTicks) is var frozen and not 0
        ? new DateTimeOffset(frozen, TimeSpan.Zero)
        : (parent?.GetUtcNow() ?? base.GetUtcNow()).AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Stops this clock at <paramref name="at"/> (a receipt signed exactly at a deadline) until <see cref="Thaw"/>.</summary>
    public void Freeze(DateTimeOffset at) => Interlocked.Exchange(ref _frozenTicks, at.UtcTicks);

    public void Thaw() => Interlocked.Exchange(ref _frozenTicks, 0);

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
