using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrossBorder.Deploy.Tests.Infrastructure;

namespace CrossBorder.Deploy.Tests;

/// <summary>
/// Issue 13: the Prometheus configuration, the alert rules and the Grafana dashboard, checked with promtool
/// (Prometheus' own parser and rule test runner) against the metric names the node exports.
/// </summary>
public sealed partial class MonitoringTests
{
    /// <summary>The node's metrics (issue 13) as Prometheus names them, histograms by their base name.</summary>
    private static readonly string[] NodeMetrics =
    [
        "crossborder_messages", "crossborder_outbox_oldest_pending_age_seconds", "crossborder_dead_letters",
        "crossborder_deliveries_total", "crossborder_delivery_duration_seconds", "crossborder_receipts_total",
        "crossborder_audit_pending_entries", "crossborder_audit_checkpoint_age_seconds", "crossborder_peer_cosignature_age_seconds",
        "crossborder_deadline_lapses_total", "crossborder_peer_breaker_state", "crossborder_key_expiry_days",
        "crossborder_rate_limit_rejections_total", "http_server_request_duration_seconds",
    ];

    private static string Promtool => Tool.Require("PROMTOOL", "Install Debian's `prometheus` package (.ci/run does).", "promtool");

    [Test]
    public async Task PrometheusConfig_IsValidForPromtool()
    {
        // The config names the rules at their path in the container; check a copy that points at the repository's file.
        var folder = Directory.CreateTempSubdirectory("crossborder-prometheus-").FullName;
        try
        {
            var config = Repository.Read("deploy/prometheus/prometheus.yml").Replace("/etc/prometheus/alerts.yml", "alerts.yml");
            await File.WriteAllTextAsync(Path.Combine(folder, "prometheus.yml"), config);
            File.Copy(Repository.PathOf("deploy/prometheus/alerts.yml"), Path.Combine(folder, "alerts.yml"));
            var result = await Tool.RunAsync(Promtool, ["check", "config", "prometheus.yml"], workingDirectory: folder);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Both);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task AlertRules_PassTheirPromtoolUnitTests()
    {
        var result = await Tool.RunAsync(Promtool, ["test", "rules", "alerts.test.yml"], workingDirectory: Repository.PathOf("deploy/prometheus"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Both);
    }

    [Test]
    public void AlertRules_CoverWhatTheIssueAsks()
    {
        var rules = Repository.Read("deploy/prometheus/alerts.yml");
        Assert.Multiple(() =>
        {
            Assert.That(rules, Does.Contain("crossborder_outbox_oldest_pending_age_seconds) > 300"), "oldest pending over 5 minutes");
            Assert.That(rules, Does.Contain("crossborder_dead_letters) > 0"), "dead letters");
            Assert.That(rules, Does.Match(@"crossborder_peer_breaker_state\) >= 2\s+for: 5m"), "breaker open over 5 minutes");
            Assert.That(rules, Does.Contain("crossborder_key_expiry_days) < 30"), "key expiry under 30 days");
            Assert.That(rules, Does.Contain("crossborder_audit_checkpoint_age_seconds"), "checkpoint age");
            Assert.That(rules, Does.Contain("crossborder_peer_cosignature_age_seconds"), "cosignature age");
        });
    }

    [Test]
    public async Task Dashboard_EveryQuery_ParsesAsPromQl()
    {
        var expressions = DashboardExpressions().ToList();
        Assert.That(expressions, Has.Count.GreaterThan(10));
        // promtool has no query parser of its own; a rule file of recording rules goes through the same one.
        var rules = "groups:\n  - name: dashboard\n    rules:\n" + string.Concat(expressions.Select((e, i) =>
            $"      - record: dashboard:query_{i}\n        expr: {JsonSerializer.Serialize(Concrete(e))}\n"));
        var file = Path.Combine(Path.GetTempPath(), $"crossborder-dashboard-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, rules);
        try
        {
            var result = await Tool.RunAsync(Promtool, ["check", "rules", file]);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Both);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Dashboard_ShowsEveryNodeMetricAndNoOther()
    {
        var used = DashboardExpressions().SelectMany(e => MetricName().Matches(e).Select(m => Base(m.Value))).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(NodeMetrics.Where(m => !used.Contains(m)), Is.Empty, "metrics without a panel");
            Assert.That(used.Where(m => !NodeMetrics.Contains(m)), Is.Empty, "panels on metrics the node does not export");
        });
    }

    [Test]
    public void AlertRules_UseOnlyMetricsTheNodeExports()
    {
        var used = MetricName().Matches(Repository.Read("deploy/prometheus/alerts.yml")).Select(m => Base(m.Value)).ToHashSet();
        Assert.That(used.Where(m => !NodeMetrics.Contains(m)), Is.Empty);
    }

    [Test]
    public void Dashboard_PanelsHaveUniqueIdsFitTheGridAndFilterByNode()
    {
        var dashboard = JsonNode.Parse(Repository.Read("deploy/grafana/crossborder-dashboard.json"))!;
        var panels = dashboard["panels"]!.AsArray().Select(p => p!).ToList();
        var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => v!["name"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(dashboard["uid"]!.GetValue<string>(), Is.EqualTo("crossborder-nodes"));
            Assert.That(panels.Select(p => p["id"]!.GetValue<int>()), Is.Unique);
            Assert.That(panels.Select(p => p["gridPos"]!["x"]!.GetValue<int>() + p["gridPos"]!["w"]!.GetValue<int>()), Has.All.LessThanOrEqualTo(24));
            Assert.That(variables, Is.EquivalentTo(new[] { "datasource", "node" }));
            Assert.That(DashboardExpressions(), Has.All.Contains("node=~\"$node\""), "every query follows the node picker");
        });
    }

    private static IEnumerable<string> DashboardExpressions() =>
        JsonNode.Parse(Repository.Read("deploy/grafana/crossborder-dashboard.json"))!["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]?.AsArray() ?? [])
            .Select(t => t!["expr"]!.GetValue<string>());

    /// <summary>Grafana's variables replaced by values, as Grafana does before it sends the query.</summary>
    private static string Concrete(string expression) =>
        expression.Replace("$__rate_interval", "1m").Replace("$__range", "6h").Replace("$node", "FR|GB");

    private static string Base(string metric) => HistogramSuffix().Replace(metric, "");

    [GeneratedRegex(@"\b(crossborder_[a-z_]+|http_server_[a-z_]+)\b")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}
