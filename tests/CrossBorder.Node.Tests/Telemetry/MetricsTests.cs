using System.Net;
using CrossBorder.Cli.Local;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Telemetry;

/// <summary>
/// <c>/metrics</c> on the management port: present there only, with the dashboard's exact names, and moving under a
/// small exchange (issue 13).
/// </summary>
public sealed class MetricsTests
{
    private NodePair _pair = null!;
    private readonly Dictionary<string, int> _managementPorts = [];
    private HttpClient _http = null!;
    private DateTimeOffset _frKeyNotAfter;

    /// <summary>Every name the Grafana dashboard reads.</summary>
    private static readonly string[] DashboardNames =
    [
        "crossborder_messages", "crossborder_outbox_oldest_pending_age_seconds", "crossborder_dead_letters",
        "crossborder_deliveries_total", "crossborder_delivery_duration_seconds_bucket", "crossborder_delivery_duration_seconds_count",
        "crossborder_delivery_duration_seconds_sum", "crossborder_receipts_total", "crossborder_audit_pending_entries",
        "crossborder_audit_checkpoint_age_seconds", "crossborder_peer_cosignature_age_seconds", "crossborder_deadline_lapses_total",
        "crossborder_peer_breaker_state", "crossborder_key_expiry_days", "crossborder_rate_limit_rejections_total",
    ];

    [SetUp]
    public async Task StartAsync()
    {
        _http = new HttpClient();
        _frKeyNotAfter = DateTimeOffset.UtcNow.AddDays(10);
        _pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            _managementPorts[country] = LocalPostgres.FindFreePort();
            c["Management:Port"] = _managementPorts[country].ToString();
            c["Telemetry:SampleInterval"] = "00:00:00.200";
            if (country == "FR") c["Node:SigningKey:NotAfter"] = _frKeyNotAfter.ToString("O");
        });
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _pair.DisposeAsync();
        _http.Dispose();
    }

    private string MetricsUrl(string country) => $"http://127.0.0.1:{_managementPorts[country]}/metrics";

    private Task<Scrape> ScrapeAsync(string country) => Scrape.FromAsync(_http, MetricsUrl(country));

    [Test]
    public async Task Metrics_ManagementPort_AnsweredThereAndNowhereElse()
    {
        using var metrics = await _http.GetAsync(MetricsUrl("FR"));
        Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(metrics.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        Assert.That(await metrics.Content.ReadAsStringAsync(), Does.Contain("crossborder_peer_breaker_state"));

        using var onPublicPort = await _pair.Fr.Anonymous().GetAsync("metrics");
        Assert.That(onPublicPort.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the public port must not serve /metrics");

        // The branch is chosen by the connection's port, not by a Host header a client can write.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(_pair.Fr.Url, "metrics"));
        spoofed.Headers.Host = $"127.0.0.1:{_managementPorts["FR"]}";
        using var spoofedResponse = await _http.SendAsync(spoofed);
        Assert.That(spoofedResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        // The management port serves nothing of the API.
        using var api = await _http.GetAsync($"http://127.0.0.1:{_managementPorts["FR"]}/exchange/v1/keys");
        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var keys = await _pair.Fr.Anonymous().GetAsync("exchange/v1/keys");
        Assert.That(keys.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the public port still serves the API");

        // Off the public API surface: not in the documents the node serves (which equal the committed ones).
        foreach (var document in new[] { "openapi/v1.json", "openapi/exchange-v1.json" })
        {
            var spec = await _pair.Fr.Anonymous().GetStringAsync(document);
            Assert.That(spec, Does.Contain("\"paths\"").And.Not.Contain("/metrics"), document);
        }
    }

    [Test]
    public async Task Metrics_SmallExchange_NamedSeriesExistAndMove()
    {
        var before = await NodePair.EventuallyAsync(() => ScrapeAsync("FR"), s => s.Has("crossborder_messages"),
            because: "the sampler's first reading");
        Assert.That(before.Value("crossborder_messages", ("direction", "outbound"), ("state", "delivered")), Is.Zero);
        var gbBefore = await ScrapeAsync("GB");

        var cases = await CaseDriver.CreateAsync(_pair);
        const int count = 3;
        for (var i = 0; i < count; i++)
            await cases.SubmitAsync();

        // Gauges come from the sampler (every 200 ms here), counters from the delivery just after its commit: wait for both.
        double Moved(Scrape s, string name, params (string, string)[] labels) => s.Value(name, labels) - before.Value(name, labels);
        var fr = await NodePair.EventuallyAsync(() => ScrapeAsync("FR"),
            s => s.Value("crossborder_messages", ("direction", "outbound"), ("state", "delivered")) >= count
                && Moved(s, "crossborder_deliveries_total", ("outcome", "delivered")) >= count
                && Moved(s, "crossborder_receipts_total", ("direction", "received")) >= count
                && Moved(s, "crossborder_delivery_duration_seconds_count") >= count,
            because: "FR's delivered messages, deliveries, receipts and latencies reach the count");
        var gb = await NodePair.EventuallyAsync(() => ScrapeAsync("GB"),
            s => s.Value("crossborder_messages", ("direction", "inbound"), ("state", "delivered")) == count,
            because: "GB's received messages reach the count");

        Assert.Multiple(() =>
        {
            foreach (var name in DashboardNames)
                Assert.That(fr.Has(name), Is.True, $"FR exposes {name}");
            Assert.That(fr.Value("crossborder_messages", ("direction", "outbound"), ("state", "delivered")), Is.EqualTo(count));
            Assert.That(Moved(fr, "crossborder_deliveries_total", ("outcome", "delivered")), Is.EqualTo(count));
            Assert.That(Moved(fr, "crossborder_receipts_total", ("direction", "received")), Is.EqualTo(count));
            Assert.That(gb.Value("crossborder_receipts_total", ("direction", "sent"))
                - gbBefore.Value("crossborder_receipts_total", ("direction", "sent")), Is.EqualTo(count));
            Assert.That(Moved(fr, "crossborder_delivery_duration_seconds_count"), Is.EqualTo(count));
            Assert.That(fr.Value("crossborder_delivery_duration_seconds_bucket", ("le", "+Inf")),
                Is.EqualTo(fr.Value("crossborder_delivery_duration_seconds_count")));
            Assert.That(fr.Value("crossborder_messages", ("direction", "outbound"), ("state", "queued")), Is.Zero);
            Assert.That(fr.Value("crossborder_dead_letters"), Is.Zero);
            Assert.That(fr.Value("crossborder_outbox_oldest_pending_age_seconds"), Is.Zero);
            Assert.That(fr.Value("crossborder_peer_breaker_state", ("peer", "GB")), Is.Zero);
            Assert.That(fr.Value("crossborder_deliveries_total", ("outcome", "failed")), Is.Zero);
            // Each node reports its own numbers, though both run in this process.
            Assert.That(gb.Value("crossborder_messages", ("direction", "outbound"), ("state", "delivered")), Is.Zero);
            Assert.That(gb.Value("crossborder_deliveries_total", ("outcome", "delivered")), Is.Zero);
        });

        // The audit log's gauges: the sequencer and GB's cosignature catch up within a few of its rounds.
        fr = await NodePair.EventuallyAsync(() => ScrapeAsync("FR"),
            s => s.Has("crossborder_audit_checkpoint_age_seconds") && s.Has("crossborder_peer_cosignature_age_seconds"),
            because: "a checkpoint and its cosignature");
        Assert.That(fr.Value("crossborder_peer_cosignature_age_seconds", ("peer", "GB")), Is.GreaterThanOrEqualTo(0).And.LessThan(60));
    }

    [Test]
    public async Task KeyExpiry_WithinThirtyDays_GaugeReadinessAndNoSeriesWithoutNotAfter()
    {
        var fr = await ScrapeAsync("FR");
        var days = fr.Named("crossborder_key_expiry_days").ToList();
        Assert.That(days.Select(d => d.Labels["use"]), Is.EquivalentTo(new[] { "evidence", "token" }));
        Assert.That(days.Select(d => d.Labels["kid"]).Distinct(), Is.EqualTo(new[] { _pair.Fr.Key.Kid }));
        Assert.That(days.Select(d => d.Value), Has.All.InRange(9.9, 10.0));
        Assert.That((await ScrapeAsync("GB")).Has("crossborder_key_expiry_days"), Is.False, "GB's key has no NotAfter");

        using var frReady = await _pair.Fr.Anonymous().GetAsync("health/ready");
        Assert.That(frReady.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an expiring key warns; it does not take the node out");
        Assert.That(await frReady.Content.ReadAsStringAsync(), Is.EqualTo("Degraded"));
        using var gbReady = await _pair.Gb.Anonymous().GetAsync("health/ready");
        Assert.That(await gbReady.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task DeadlineLapses_UrgentReplyDeadlinePasses_CounterMovesOnBothNodes()
    {
        var cases = await CaseDriver.CreateAsync(_pair);
        var urgent = await cases.SubmitAsync(urgent: true);
        Assert.That((await ScrapeAsync("FR")).Value("crossborder_deadline_lapses_total"), Is.Zero);

        await cases.AdvanceAsync(TimeSpan.FromDays(32));
        await cases.AgreeAsync(urgent, ReferralStatus.TacitlyAccepted);
        foreach (var country in new[] { "FR", "GB" })
        {
            // The clock counts a lapse once its batch has committed, just after the case shows it: wait for the count.
            var lapses = await NodePair.EventuallyAsync(() => ScrapeAsync(country), s => s.Value("crossborder_deadline_lapses_total") >= 1,
                because: $"{country} counts the lapse");
            Assert.That(lapses.Value("crossborder_deadline_lapses_total"), Is.EqualTo(1), country);
        }
    }
}
