using System.Net;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The management listener: Kestrel listens on <see cref="ManagementOptions.Port"/> beside the public URLs, and a
/// branch at the very start of the pipeline answers every request that arrived on that port: <c>/metrics</c> from
/// the Prometheus exporter, 404 for anything else. The branch is chosen by the connection's local port, which a
/// client cannot forge (a <c>Host</c> header can), so the public port never serves <c>/metrics</c> (it answers 404
/// there, as for any unknown path) and the management port serves nothing of the API. Being a middleware branch, not
/// an endpoint, it is also absent from the OpenAPI documents.
/// </summary>
public sealed class ManagementEndpoint(int port) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(http => http.Connection.LocalPort == port, management =>
        {
            management.UseOpenTelemetryPrometheusScrapingEndpoint(http => http.Request.Path == ManagementOptions.MetricsPath);
            management.Run(http =>
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        next(app);
    };

    /// <summary>
    /// Adds the management URL to the addresses Kestrel listens on: to <c>Kestrel:Endpoints</c> when the node is
    /// configured that way (Kestrel then ignores <c>urls</c>), otherwise to the public URLs (<c>--urls</c>,
    /// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, or Kestrel's default).
    /// </summary>
    public static void Listen(WebApplicationBuilder builder, ManagementOptions management)
    {
        var port = management.Port!.Value;
        var config = builder.Configuration;
        var publicUrls = PublicUrls(config);
        var addresses = publicUrls.Select(BindingAddress.Parse).ToList();
        if (addresses.Any(a => a.Port == port))
            throw new OptionsValidationException(ManagementOptions.Section, typeof(ManagementOptions),
                [$"Management:Port {port} is also a public port: the management listener needs a port of its own."]);
        var host = management.Host ?? (addresses.Count > 0 && addresses.All(IsLoopback) ? addresses[0].Host : "*");
        var url = $"http://{host}:{port}";
        if (config.GetSection("Kestrel:Endpoints").GetChildren().Any())
            config["Kestrel:Endpoints:Management:Url"] = url;
        else
            builder.WebHost.UseUrls([.. publicUrls, url]);
        builder.Services.AddSingleton<IStartupFilter>(new ManagementEndpoint(port));
    }

    private static List<string> PublicUrls(IConfiguration config)
    {
        static IEnumerable<string> Split(string? value) =>
            (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var urls = Split(config[WebHostDefaults.ServerUrlsKey]).ToList();
        if (urls.Count > 0) return urls;
        urls.AddRange(Split(config[WebHostDefaults.HttpPortsKey]).Select(p => $"http://*:{p}"));
        urls.AddRange(Split(config[WebHostDefaults.HttpsPortsKey]).Select(p => $"https://*:{p}"));
        return urls.Count > 0 ? urls : ["http://localhost:5000"];
    }

    private static bool IsLoopback(BindingAddress a) =>
        string.Equals(a.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(a.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
