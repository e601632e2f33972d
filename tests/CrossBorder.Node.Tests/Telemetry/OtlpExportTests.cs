using System.Collections.Concurrent;
using System.Text;
using CrossBorder.Cli.Local;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CrossBorder.Node.Tests.Telemetry;

/// <summary>
/// OTLP export when configured: a stand-in collector on loopback receives FR's traces, metrics and logs over
/// OTLP/HTTP; GB, with no endpoint configured, sends it nothing.
/// </summary>
public sealed class OtlpExportTests
{
    private WebApplication _collector = null!;
    private ConcurrentQueue<(string Signal, string ContentType, byte[] Body)> _received = new();
    private NodePair? _pair;

    private int _port;

    [SetUp]
    public async Task StartAsync()
    {
        _received = new();
        var received = _received;
        var port = _port = LocalPostgres.FindFreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _collector = builder.Build();
        _collector.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue((signal, request.ContentType ?? "", body.ToArray()));
            return Results.Ok();
        });
        await _collector.StartAsync();
    }

    private async Task<NodePair> StartPairAsync(bool standardVariables)
    {
        return _pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country != "FR") return;
            var (endpoint, protocol) = standardVariables
                ? ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL")
                : ("Telemetry:Otlp:Endpoint", "Telemetry:Otlp:Protocol");
            c[endpoint] = $"http://127.0.0.1:{_port}";
            c[protocol] = "http/protobuf";
            // The standard OTEL_* settings, read from configuration: export within a second rather than 5 s / 60 s.
            c["OTEL_BSP_SCHEDULE_DELAY"] = "200";
            c["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
            c["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
            // A key near its end: the daily warning is a log record to export.
            c["Node:SigningKey:NotAfter"] = DateTimeOffset.UtcNow.AddDays(5).ToString("O");
        });
    }

    [TearDown]
    public async Task StopAsync()
    {
        if (_pair is not null) await _pair.DisposeAsync();
        _pair = null;
        await _collector.StopAsync();
        await _collector.DisposeAsync();
    }

    [TestCase(false, TestName = "Otlp_NodeSettingTelemetryOtlpEndpoint_TracesMetricsAndLogsExported")]
    [TestCase(true, TestName = "Otlp_StandardOtelExporterOtlpEndpoint_TracesMetricsAndLogsExported")]
    public async Task Otlp_EndpointConfigured_TracesMetricsAndLogsExported(bool standardVariables)
    {
        var pair = await StartPairAsync(standardVariables);
        var cases = await CaseDriver.CreateAsync(pair);
        await cases.SubmitAsync();

        // Batches leave on their own schedules: wait until each signal has carried what it must.
        var fromFr = Encoding.UTF8.GetBytes("crossborder-node-fr");
        var fromGb = Encoding.UTF8.GetBytes("crossborder-node-gb");
        bool Exported(string signal, ReadOnlySpan<byte> text)
        {
            foreach (var r in _received)
                if (r.Signal == signal && r.Body.AsSpan().IndexOf(text) >= 0) return true;
            return false;
        }
        string Missing() => string.Join(", ", new[]
        {
            Exported("traces", fromFr) ? null : "FR's traces naming their service",
            Exported("traces", "deliver referral.submitted"u8) ? null : "the delivery span",
            Exported("metrics", "crossborder.deliveries"u8) ? null : "the node's own metrics",
            Exported("logs", "expires in"u8) ? null : "the key warning log",
        }.Where(m => m is not null));
        await NodePair.EventuallyAsync(() => Task.FromResult(Missing()), m => m.Length == 0, because: "exported over OTLP");
        Assert.Multiple(() =>
        {
            Assert.That(_received.Select(r => r.ContentType).Distinct(), Is.EqualTo(new[] { "application/x-protobuf" }));
            Assert.That(_received.Any(r => r.Body.AsSpan().IndexOf(fromGb) >= 0), Is.False, "GB has no OTLP endpoint: it exports nothing");
        });
    }
}
