using System.Globalization;
using System.Text.RegularExpressions;

namespace CrossBorder.Core.Lifecycle;

/// <summary>
/// An ISO 8601 duration (<c>P2M</c>, <c>P21D</c>, <c>P1Y2M3W4DT5H6M7S</c>, <c>PT30S</c>) added in calendar terms:
/// years and months with <see cref="DateTimeOffset.AddMonths"/> (31 January + P1M = 28 or 29 February), then
/// weeks and days, then the time part. Both nodes add the same duration to the same signed instant.
/// </summary>
public readonly partial record struct IsoDuration(int Months, int Days, TimeSpan Time)
{
    [GeneratedRegex(@"^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9}(?:[.,]\d{1,7})?)S)?)?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses a duration; null when <paramref name="text"/> is not one, or is zero.</summary>
    public static IsoDuration? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.EndsWith('T') || Pattern().Match(text) is not { Success: true } m)
            return null;
        int Part(int i) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = m.Groups[7].Success ? decimal.Parse(m.Groups[7].Value.Replace(',', '.'), CultureInfo.InvariantCulture) : 0m;
        var duration = new IsoDuration(Part(1) * 12 + Part(2), Part(3) * 7 + Part(4),
            TimeSpan.FromHours(Part(5)) + TimeSpan.FromMinutes(Part(6)) + TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond)));
        return duration.Months == 0 && duration.Days == 0 && duration.Time == TimeSpan.Zero ? null : duration;
    }

    /// <exception cref="FormatException">Not an ISO 8601 duration, or zero.</exception>
    public static IsoDuration Parse(string text) =>
        TryParse(text) ?? throw new FormatException("Not a non-zero ISO 8601 duration (e.g. P2M, P21D, PT30S).");

    public DateTimeOffset AddTo(DateTimeOffset instant) => instant.AddMonths(Months).AddDays(Days).Add(Time);
}
