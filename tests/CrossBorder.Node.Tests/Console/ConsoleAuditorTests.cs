using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CrossBorder.Node.Tests.Console;

/// <summary>Issue 15, as a new auditor would: sign in, find a case's entries, verify a proof in the browser, see a tampered log flagged.</summary>
[TestFixture]
public sealed class ConsoleAuditorTests
{
    private const string Password = "correct horse battery";
    private NodePair _pair = null!;
    private ConsoleBrowser _browser = null!;
    private string _referral = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _browser = await ConsoleBrowser.LaunchAsync();
        await ConsolePeople.AddAsync(_pair.Fr, "alice", "auditor", Password);
        using var fr = await _pair.Fr.MinistryAsync();
        using var gb = await _pair.Gb.MinistryAsync();
        _referral = await new CaseDriver(_pair, fr, gb).SubmitAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        await _pair.DisposeAsync();
    }

    [Test]
    public async Task Auditor_SearchesVerifiesThenSeesTamperRed()
    {
        var page = await _browser.NewPageAsync();
        await ConsolePeople.SignInAsync(page, _pair.Fr, "alice", Password);
        await page.WaitForSelectorAsync("#entries");
        await ConsoleBrowser.ScreenshotAsync(page, "auditor-search");

        // The case's entries, by the search form.
        using (var auditor = await _pair.Fr.AuditorAsync())
            await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: 3);
        await page.FillAsync("#referralId", _referral);
        await page.SelectOptionAsync("#kind", "message.sent");
        await page.ClickAsync("#search-button");
        await page.WaitForSelectorAsync("#entries tbody tr");
        var rows = await page.Locator("#entries tbody tr").CountAsync();
        Assert.That(rows, Is.EqualTo(1), "the case's one message sent");
        var index = await page.Locator("#entries tbody tr a.entry-link").First.TextContentAsync();

        // Export as CSV through the audit API: one header row and the entry.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.That(csv, Has.Length.EqualTo(2));
        Assert.That(csv[1], Does.Contain("message.sent").And.Contain(_referral));

        // A time range in the future finds nothing.
        await page.FillAsync("#since", DateTime.Now.AddDays(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#search-button");
        await Assertions.Expect(page.Locator("#result-count")).ToHaveTextAsync("0 entries on this page");
        await page.GoBackAsync();
        await Assertions.Expect(page.Locator("#entries tbody tr")).ToHaveCountAsync(1);

        await page.Locator("#entries tbody tr a.entry-link").First.ClickAsync();
        var verdict = page.Locator("#verdict");
        await Assertions.Expect(verdict).ToHaveTextAsync("Verified");
        await ConsoleBrowser.ScreenshotAsync(page, "auditor-entry-verified");
        var checks = await page.Locator("#verdict-checks li.ok").CountAsync();
        Assert.That(checks, Is.GreaterThanOrEqualTo(5), "leaf index, tree size, path to the root, signature, cosignature, same bytes");

        // An insider rewrites the entry in PostgreSQL: the page, reloaded, says so.
        await AuditProbe.TamperAsync(_pair.Fr,
            $"UPDATE audit_entries SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), '\"kind\":\"message.sent\"', '\"kind\":\"message.lost\"'), 'UTF8') WHERE log_index = {index}");
        await page.ReloadAsync();
        await Assertions.Expect(verdict).ToHaveTextAsync("Not verified");
        Assert.That(await page.Locator("#verdict-checks li.bad").CountAsync(), Is.GreaterThanOrEqualTo(1));
        await ConsoleBrowser.ScreenshotAsync(page, "auditor-entry-tampered");
        await page.Context.CloseAsync();
        AssertNoPersonalDataRead();
    }

    [Test]
    public async Task Auditor_PagesByKeyboard_NextPageContinuesTheLog()
    {
        var page = await _browser.NewPageAsync();
        await ConsolePeople.SignInAsync(page, _pair.Fr, "alice", Password);
        using (var auditor = await _pair.Fr.AuditorAsync())
            await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: 12);
        // Keyboard only: the page size, the search button, the next-page link.
        await page.FocusAsync("#limit");
        await page.SelectOptionAsync("#limit", "10");
        await page.FocusAsync("#search-button");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#entries tbody tr")).ToHaveCountAsync(10);
        var first = await page.Locator("#entries tbody tr a.entry-link").First.TextContentAsync();
        await page.FocusAsync("#next-page");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#entries tbody tr a.entry-link").First).Not.ToHaveTextAsync(first!);
        Assert.That(int.Parse(await page.Locator("#entries tbody tr a.entry-link").First.TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture),
            Is.EqualTo(int.Parse(first!, System.Globalization.CultureInfo.InvariantCulture) + 10));
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task Auditor_CheckpointTimelineAndCaseTimeline_VerifiedWithoutPersonalData()
    {
        var page = await _browser.NewPageAsync();
        await ConsolePeople.SignInAsync(page, _pair.Fr, "alice", Password);
        using (var auditor = await _pair.Fr.AuditorAsync())
            await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: 3);

        await page.ClickAsync("#nav a[href='#/checkpoints']");
        await Assertions.Expect(page.Locator("#timeline-verdict")).ToHaveTextAsync("Verified");
        Assert.That(await page.Locator("#checkpoints tbody tr").CountAsync(), Is.GreaterThanOrEqualTo(2), "consecutive checkpoints to compare");
        Assert.That(await page.Locator("#checkpoints .tag.ok", new() { HasTextString = "consistent" }).CountAsync(), Is.GreaterThanOrEqualTo(1));
        await ConsoleBrowser.ScreenshotAsync(page, "auditor-checkpoints");

        await page.GotoAsync(new Uri(_pair.Fr.Url, $"console/#/case/{_referral}").AbsoluteUri);
        await Assertions.Expect(page.Locator("#messages tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#messages tbody tr")).ToContainTextAsync("referral.submitted");
        await Assertions.Expect(page.Locator("#steps tbody tr").First).ToContainTextAsync("submission");
        await Assertions.Expect(page.Locator("#deadlines tbody tr").First).ToContainTextAsync("open");
        // The evidence pack (without personal data, for an auditor) downloads, and verifies offline.
        await Assertions.Expect(page.Locator("#evidence-download")).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#evidence-download").ClickAsync());
        Assert.That(download.SuggestedFilename, Is.EqualTo($"evidence-{_referral}.json"));
        var packFile = Path.Combine(Path.GetTempPath(), $"console-{Guid.NewGuid():N}.json");
        await download.SaveAsAsync(packFile);
        try
        {
            var output = new StringWriter();
            Assert.That(await CrossBorder.Cli.Commands.CliApp.InvokeAsync(["evidence", "verify", packFile], output, TextWriter.Null), Is.Zero,
                output.ToString());
        }
        finally
        {
            File.Delete(packFile);
        }
        var shown = await page.Locator("#view").InnerTextAsync();
        var child = NodePair.ExampleReferral()["child"]!.AsObject();
        foreach (var value in new[] { child["surname"]!.GetValue<string>(), child["givenNames"]![0]!.GetValue<string>(), child["placeOfBirth"]!.GetValue<string>() })
            Assert.That(shown, Does.Not.Contain(value), "no personal data on the page");
        await ConsoleBrowser.ScreenshotAsync(page, "auditor-case-timeline");
        await page.Context.CloseAsync();
        AssertNoPersonalDataRead();
    }

    /// <summary>The console never asked for a referral or its messages (the personal data); the evidence probe aside.</summary>
    private void AssertNoPersonalDataRead() =>
        Assert.That(_browser.Requests.Where(p => p.StartsWith("/api/v1/referrals", StringComparison.Ordinal) && !p.EndsWith("/evidence", StringComparison.Ordinal)),
            Is.Empty);
}
