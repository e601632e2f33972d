using System.Globalization;
using System.Text.Json;

namespace CrossBorder.Cli.Bench;

/// <summary>What <c>bench faults</c> saw and judged: a table of checks, then one JSON line per check and figure.</summary>
public sealed class CampaignReport(FaultCampaignOptions options)
{
    private readonly List<(string Name, bool Pass, string Detail)> _checks = [];
    private readonly List<BenchFigure> _figures = [];

    public bool Passed => _checks.Count > 0 && _checks.All(c => c.Pass);

    public void Check(string name, bool pass, string detail) => _checks.Add((name, pass, detail));

    public void CreatesDone(TimeSpan elapsed, PersistentCreator creator)
    {
        _figures.Add(new BenchFigure("faults_started", "FR", null, creator.Started, "referrals"));
        _figures.Add(new BenchFigure("faults_acknowledged", "FR", null, creator.Acknowledged.Count, "referrals"));
        _figures.Add(new BenchFigure("faults_create_phase", "FR", null, elapsed.TotalSeconds, "s"));
        AddAnswers("faults_create", "FR", creator.Client);
    }

    /// <summary>A ministry's steps (GB's decisions, FR's withdrawals) and every answer its client got.</summary>
    public void StepsDone(string node, PersistentStepTaker taker)
    {
        var name = $"faults_{taker.Plan.Step}";
        _figures.Add(new BenchFigure($"{name}s", node, null, taker.Taken.Count, "referrals"));
        _figures.Add(new BenchFigure($"{name}s_overtaken", node, null, taker.Overtaken.Count, "referrals"));
        _figures.Add(new BenchFigure($"{name}s_sent_again_after_a_new_read", node, null, taker.ReadAgain, "requests"));
        AddAnswers(name, node, taker.Client);
    }

    public void Figure(string name, string system, double value, string unit) => _figures.Add(new BenchFigure(name, system, null, value, unit));

    private void AddAnswers(string name, string node, PersistentClient client)
    {
        _figures.Add(new BenchFigure($"{name}_retried_attempts", node, null, client.Retried, "requests"));
        foreach (var (status, count) in client.Answers.OrderBy(a => a.Key, StringComparer.Ordinal))
            _figures.Add(new BenchFigure($"{name}_answers_{status.Replace(' ', '_')}", node, null, count, "requests"));
    }

    /// <summary>From GB's return to FR's first delivery and to FR's empty outbox.</summary>
    public void Drained(long backlog, TimeSpan firstDelivery, TimeSpan drained)
    {
        _figures.Add(new BenchFigure("faults_backlog_when_creates_done", "FR->GB", null, backlog, "messages"));
        _figures.Add(new BenchFigure("faults_first_delivery_after_peer_back", "FR->GB", null, firstDelivery.TotalSeconds, "s"));
        _figures.Add(new BenchFigure("faults_drain_after_peer_back", "FR->GB", null, drained.TotalSeconds, "s"));
    }

    public void NodeStops(IReadOnlyList<string> unexpected) =>
        Check("no node stopped by itself", unexpected.Count == 0, unexpected.Count == 0 ? "every exit was a kill of the campaign" : string.Join("; ", unexpected));

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench faults: referrals created at {options.Rate}/s throughout, {options.Replicas} replicas per country, GB down {options.OutageSeconds} s"));
        foreach (var figure in _figures)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {figure.Figure,-38} {figure.System,-6} {figure.Value,10:0.#} {figure.Unit}"));
        foreach (var (name, pass, detail) in _checks)
            output.WriteLine($"  {(pass ? "PASS" : "FAIL"),-4}  {name,-48} {detail}");
        output.WriteLine(Passed ? "All checks hold." : "Some checks FAILED.");
        foreach (var figure in _figures)
            output.WriteLine(JsonSerializer.Serialize(figure, BenchReport.JsonLine));
        foreach (var (name, pass, detail) in _checks)
            output.WriteLine(JsonSerializer.Serialize(new { check = name, pass, detail }, BenchReport.JsonLine));
    }
}
