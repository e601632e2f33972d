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
    }
}
