using System.Globalization;
using System.Text.RegularExpressions;

namespace CrossBorder.Node.Tests.Telemetry;

/// <summary>One scrape of a Prometheus text exposition: samples by name and labels.</summary>
public sealed partial class Scrape(string text)
{
    public string Text { get; } = text;

    public IReadOnlyList<Sample> Samples { get; } = [.. Parse(text)];

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static async Task<Scrape> FromAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return new Scrape(text);
    }

    public bool Has(string name) => Samples.Any(s => s.Name == name);

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include <paramref name="labels"/> (0 if none).</summary>
    public double Value(string name, params (string Key, string Value)[] labels) => Samples
        .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
        .Sum(s => s.Value);

    public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

    private static IEnumerable<Sample> Parse(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var m = SampleLine().Match(line);
            if (!m.Success) continue;
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            yield return new Sample(m.Groups["name"].Value, labels, value);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?\s*$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(\w+)="((?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex LabelPair();
}
