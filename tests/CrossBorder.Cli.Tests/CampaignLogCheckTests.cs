using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// The campaign's log check: it fails when any replica's log holds a personal value of the referral the campaign sent
/// (in any case), and passes on logs of the shape a faulted run writes (database errors, refused requests, peer retries).
/// </summary>
public sealed class CampaignLogCheckTests
{
    private static readonly byte[] Referral = File.ReadAllBytes(
        new BenchPaths(RepositoryRoot.Find(AppContext.BaseDirectory)).Example("referral.json"));

    private string _logs = null!;

    [SetUp]
    public void CreateFolder() => _logs = Directory.CreateTempSubdirectory("campaign-logs-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_logs, recursive: true);

    [Test]
    public void LogsOfAFaultedRun_WithoutPersonalData_Pass()
    {
        File.WriteAllLines(Path.Combine(_logs, "FR-1.log"),
        [
            """{"LogLevel":"Error","Category":"Microsoft.EntityFrameworkCore.Database.Connection","Message":"An error occurred using the connection to database 'crossborder_fr'"}""",
            """{"LogLevel":"Warning","Category":"CrossBorder.Node.Http.DatabaseUnavailableHandler","Message":"Request refused with 503: database unavailable (NpgsqlException)"}""",
        ]);
        File.WriteAllText(Path.Combine(_logs, "GB-1.log"), """{"LogLevel":"Warning","Category":"Polly","Message":"Execution attempt. Source: 'PeerClient-peer//Retry'"}""");

        var report = Report();
        CampaignChecks.NoPersonalDataInLogs(report, _logs, Referral);

        Assert.That(report.Passed, Is.True);
    }

    [TestCase("Haile")]
    [TestCase("SELAM")]
    [TestCase("BC-778812")]
    [TestCase("12 Example Road")]
    [TestCase("2011-03-14")]
    public void ALogHoldingAPersonalValue_Fails(string value)
    {
        File.WriteAllText(Path.Combine(_logs, "FR-1.log"), "{\"LogLevel\":\"Information\",\"Message\":\"ok\"}\n");
        File.WriteAllText(Path.Combine(_logs, "GB-2.log"), $"{{\"LogLevel\":\"Error\",\"Message\":\"could not store referral of {value}\"}}\n");

        var report = Report();
        CampaignChecks.NoPersonalDataInLogs(report, _logs, Referral);

        Assert.That(report.Passed, Is.False);
        using var output = new StringWriter();
        report.Print(output);
        Assert.That(output.ToString(), Does.Contain("GB-2.log holds"));
    }

    [Test]
    public void NoLogsAtAll_Fails()
    {
        var report = Report();
        CampaignChecks.NoPersonalDataInLogs(report, _logs, Referral);

        Assert.That(report.Passed, Is.False, "a check that read nothing proves nothing");
    }

    private static CampaignReport Report() => new(new FaultCampaignOptions("/repo", 40, 2, 120, 0, false, 55462, 5300));
}
