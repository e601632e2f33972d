namespace CrossBorder.Core.Exchange;

public static class Instants
{
    /// <summary>PostgreSQL keeps microseconds; signed times keep milliseconds so stored and signed values agree.</summary>
    public static DateTimeOffset TruncateToMilliseconds(this DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
