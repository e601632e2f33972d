using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CrossBorder.Node.Tests.Console;

/// <summary>Issue 15, the operator: messages, a dead letter re-driven from the browser (confirmed, audited), peers, charts; the auditor refused.</summary>
[TestFixture]
public sealed class ConsoleOperatorTests
{
    private const string Password = "operator password 1";
    private NodePair _pair = null!;
    private ConsoleBrowser _browser = null!;
    private string _messageId = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // GB accepts no message older than a millisecond: FR's first delivery is refused for good (CB0106), a dead letter.
        _pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country == "GB") c["Exchange:MaxMessageAge"] = "00:00:00.001";
        });
        _browser = await ConsoleBrowser.LaunchAsync();
        await ConsolePeople.AddAsync(_pair.Fr, "olga", "operator", Password);
        await ConsolePeople.AddAsync(_pair.Fr, "adam", "auditor", Password);

        using var fr = await _pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var dead = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(fr, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["state"]?.GetValue<string>() == "dead_letter", because: "the peer refuses the message for good");
        _messageId = dead["delivery"]!["messageId"]!.GetValue<string>();
        // The operator fixes the peer's configuration; the message stays a dead letter until re-driven.
        await _pair.Gb.StopAsync();
        await _pair.Gb.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        await _pair.DisposeAsync();
    }

    private Task<long> StateCountAsync(string state) =>
        AuditProbe.ScalarAsync(_pair.Fr, $"SELECT count(*) FROM messages WHERE id = '{_messageId}' AND state = '{state}'");

    [Test, Order(1)]
    public async Task Auditor_RedriveRefused_403AuditedAndNothingChanged()
    {
        var page = await _browser.NewPageAsync();
        await ConsolePeople.SignInAsync(page, _pair.Fr, "adam", Password);
        Assert.That(await page.Locator("#nav a[href='#/ops/dead-letters']").CountAsync(), Is.Zero, "no operator page for an auditor");

        await page.GotoAsync(new Uri(_pair.Fr.Url, "console/#/ops/dead-letters").AbsoluteUri);
        await Assertions.Expect(page.Locator("#view .error")).ToContainTextAsync("does not give access");
        // Straight to the API with the auditor's own token, as a curious auditor could.
        var status = await page.EvaluateAsync<int>(@"async (id) => {
            const token = JSON.parse(sessionStorage.getItem('crossborder.console')).token;
            const r = await fetch('/api/v1/operations/dead-letters/' + id + '/redrive', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
            return r.status; }", _messageId);
        Assert.That(status, Is.EqualTo(403));
        Assert.That(await StateCountAsync("dead_letter"), Is.EqualTo(1), "still a dead letter");
        await ConsolePeople.AuditedAsync(_pair.Fr, "security.forbidden", e => e["client"]?.GetValue<string>() == "console"
            && e["detail"]?.GetValue<string>() == "POST /api/v1/operations/dead-letters/{messageId:guid}/redrive", "the refusal, as every 403");
        await ConsoleBrowser.ScreenshotAsync(page, "auditor-refused-operator-page");
        await page.Context.CloseAsync();
    }

    [Test, Order(2)]
    public async Task Operator_RedrivesDeadLetter_DeliveredAndAudited()
    {
        var page = await _browser.NewPageAsync();
        await ConsolePeople.SignInAsync(page, _pair.Fr, "olga", Password);
        await Assertions.Expect(page.Locator("#dead-letter-count")).ToHaveTextAsync("1");
        await ConsoleBrowser.ScreenshotAsync(page, "operator-messages");

        await page.ClickAsync("#nav a[href='#/ops/dead-letters']");
        var row = page.Locator("#dead-letters tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("CB0106");
        await ConsoleBrowser.ScreenshotAsync(page, "operator-dead-letters");

        // Cancel first: nothing happens.
        await page.ClickAsync("button.redrive");
        await page.ClickAsync("#confirm-cancel");
        Assert.That(await StateCountAsync("dead_letter"), Is.EqualTo(1), "cancelled: still a dead letter");

        await page.ClickAsync("button.redrive");
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(page, "operator-redrive-confirm");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#redrive-status")).ToContainTextAsync("re-queued");
        await NodePair.EventuallyAsync(() => StateCountAsync("delivered"), n => n == 1, because: "the re-driven message reaches GB");
        await ConsolePeople.AuditedAsync(_pair.Fr, "message.redriven", e => e["messageId"]?.GetValue<string>() == _messageId
            && e["client"]?.GetValue<string>() == "console" && e["detail"]?.GetValue<string>()?.StartsWith("account=", StringComparison.Ordinal) == true,
            "the re-drive, naming the account");

        // The operator reads no audit entry, not even their metadata: that is the auditor's.
        var audit = await page.EvaluateAsync<int>(@"async () => {
            const token = JSON.parse(sessionStorage.getItem('crossborder.console')).token;
            return (await fetch('/api/v1/audit/entries?limit=1', { headers: { Authorization: 'Bearer ' + token } })).status; }");
        Assert.That(audit, Is.EqualTo(403));

        await page.ClickAsync("#nav a[href='#/ops/peers']");
        await Assertions.Expect(page.Locator("#peers tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#keys tbody tr")).ToHaveCountAsync(2);
        await ConsoleBrowser.ScreenshotAsync(page, "operator-peers-keys");

        await page.ClickAsync("#nav a[href='#/ops/throughput']");
        await Assertions.Expect(page.Locator("#throughput-chart circle").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#latency-chart circle").First).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(page, "operator-throughput");
        await page.Context.CloseAsync();
    }

    [Test, Order(3)]
    public async Task OperationsApi_BadInput_400ProblemAndPagingWorks()
    {
        using var op = await _pair.Fr.OperatorAsync();
        foreach (var query in new[]
                 {
                     "dead-letters?limit=0", "dead-letters?limit=201", "dead-letters?cursor=not-a-cursor", "throughput?minutes=0",
                     "throughput?minutes=181", "throughput?minutes=x",
                 })
        {
            using var response = await op.GetAsync("api/v1/operations/" + query);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), query);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), query);
        }
        // A cursor past every id: an empty page (the id comparison runs in PostgreSQL).
        var cursor = CrossBorder.Node.Http.QueryValues.EncodeId(Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"));
        var page = await NodePair.GetJsonAsync(op, $"api/v1/operations/dead-letters?limit=1&cursor={cursor}");
        Assert.That(page["items"]!.AsArray(), Is.Empty);
        using var missing = await op.PostAsync($"api/v1/operations/dead-letters/{Guid.NewGuid()}/redrive", null);
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var again = await op.PostAsync($"api/v1/operations/dead-letters/{_messageId}/redrive", null);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "delivered: no longer a dead letter");
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("CB0301"));
    }
}
