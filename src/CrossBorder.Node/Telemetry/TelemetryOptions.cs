using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Telemetry;

/// <summary>Where traces, metrics and logs go, and how often the database gauges are read.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// OTLP export. Nothing is exported unless <see cref="OtlpOptions.Endpoint"/> or the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>How often the gauges that need the database (messages by state, audit backlog, ...) are read.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Days before a signing key's <c>NotAfter</c> from which health, metrics and logs warn.</summary>
    [Range(1, 365)]
    public int KeyExpiryWarningDays { get; set; } = 30;

    public sealed class OtlpOptions
    {
        /// <summary>The collector's base URL (e.g. <c>http://otel-collector:4317</c>); signal paths are added for HTTP.</summary>
        public Uri? Endpoint { get; set; }

        /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>, as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
        [RegularExpression("^(grpc|http/protobuf)$")]
        public string Protocol { get; set; } = "grpc";
    }
}
