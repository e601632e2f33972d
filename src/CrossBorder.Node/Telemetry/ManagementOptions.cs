using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The management listener: <c>/metrics</c> for Prometheus, on a port of its own that the public API never answers on.
/// Unset: no management listener.
/// </summary>
public sealed class ManagementOptions
{
    public const string Section = "Management";

    /// <summary>The management port (e.g. 9101 for FR and 9102 for GB locally, 9090 in containers).</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>
    /// The address to bind it to. Default: the public URL's host when every public URL is on loopback (a local run),
    /// otherwise every address (a container, where Prometheus scrapes the pod's address).
    /// </summary>
    public string? Host { get; set; }

    /// <summary>The scrape path.</summary>
    public const string MetricsPath = "/metrics";
}
