using System.Diagnostics.Metrics;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// OpenTelemetry for one node (docs/operations-telemetry.md): traces (ASP.NET Core, HttpClient, Npgsql and the node's
/// own spans; W3C trace context on every peer call), metrics (the node's instruments, ASP.NET Core, HttpClient,
/// Npgsql) scraped on the management port and/or exported by OTLP, and logs exported by OTLP. Nothing leaves the node
/// unless a management port or an OTLP endpoint is configured.
/// </summary>
public static class TelemetrySetup
{
    public static WebApplicationBuilder AddNodeTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var telemetry = config.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var management = config.GetSection(ManagementOptions.Section).Get<ManagementOptions>() ?? new ManagementOptions();
        var otlp = telemetry.Otlp.Endpoint is not null || !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var scraped = management.Port is not null;

        services.AddSingleton<DatabaseGauges>();
        services.AddSingleton<KeyExpiry>();
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton<ExchangeTelemetry>();
        services.AddHealthChecks().AddCheck<KeyExpiryCheck>("key-expiry", tags: ["ready"]);
        services.AddHostedService<KeyExpiryWatch>();
        if (scraped)
            ManagementEndpoint.Listen(builder, management);

        var country = config["Node:Country"] ?? "";
        var otel = services.AddOpenTelemetry().ConfigureResource(r =>
        {
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES still apply; the default names the country, so a trace
            // viewer tells the two sides of an exchange apart.
            if (string.IsNullOrWhiteSpace(config["OTEL_SERVICE_NAME"]))
                r.AddService($"crossborder-node-{country.ToLowerInvariant()}", "crossborder");
            r.AddAttributes([new("crossborder.country", country)]);
        });
        otel.WithTracing(t => t
            .SetSampler(new ParentBasedSampler(new BackgroundChatterSampler()))
            .AddSource(NodeActivities.SourceName)
            .AddAspNetCoreInstrumentation(o => o.Filter = http => Traced(http, management.Port))
            .AddHttpClientInstrumentation()
            .AddNpgsql());
        if (scraped || otlp)
        {
            otel.WithMetrics(m =>
            {
                m.AddMeter(NodeMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsqlInstrumentation();
                OwnMetersOnly(m);
                if (scraped) m.AddPrometheusExporter();
            });
        }
        if (scraped || otlp)
            services.AddHostedService<MetricsSampler>(); // after OpenTelemetry's own; nobody reads the gauges otherwise
        if (telemetry.Otlp.Endpoint is { } endpoint)
            otel.UseOtlpExporter(telemetry.Otlp.Protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, endpoint);
        else if (otlp)
            otel.UseOtlpExporter(); // the standard OTEL_EXPORTER_OTLP_* settings
        return builder;
    }

    /// <summary>Health probes and scrapes are not traced: they would drown the exchanges.</summary>
    private static bool Traced(HttpContext http, int? managementPort) =>
        http.Connection.LocalPort != managementPort && !http.Request.Path.StartsWithSegments("/health");

    /// <summary>
    /// OpenTelemetry subscribes to meters by name, process-wide; meters made by another host's <see cref="IMeterFactory"/>
    /// in the same process (two nodes in one test run) are dropped, so each node reports its own numbers.
    /// </summary>
    private static void OwnMetersOnly(MeterProviderBuilder metrics) =>
        ((IDeferredMeterProviderBuilder)metrics).Configure((sp, m) =>
        {
            var own = sp.GetRequiredService<IMeterFactory>();
            m.AddView(i => i.Meter.Scope is { } scope && !ReferenceEquals(scope, own) ? MetricStreamConfiguration.Drop : null);
        });
}
