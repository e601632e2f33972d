using System.Text.Json.Serialization;

namespace CrossBorder.Cli.Bench;

/// <summary>One measured figure, printed as one JSON line (null fields are left out).</summary>
public sealed record BenchFigure(
    [property: JsonPropertyName("figure")] string Figure,
    [property: JsonPropertyName("system")] string? System,
    [property: JsonPropertyName("round")] int? Round,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string? Unit)
{
    /// <summary>The goal for this figure, e.g. "&gt;= 0.6", when it has one.</summary>
    [JsonPropertyName("target")]
    public string? Target { get; init; }

    /// <summary>The document size the figure belongs to, in MiB (<c>bench attachment</c>).</summary>
    [JsonPropertyName("size_mb")]
    public int? SizeMb { get; init; }

    [JsonPropertyName("pass")]
    public bool? Pass { get; init; }
}
