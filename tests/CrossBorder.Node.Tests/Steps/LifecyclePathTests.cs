using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Lifecycle;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Steps;

public sealed class LifecyclePathTests
{
    private NodePair _pair = null!;
    private CaseDriver _cases = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _cases = await CaseDriver.CreateAsync(_pair);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task FullPath_RefusalReexaminationAcceptanceTransfer_BothNodesAgreeAtEachStep()
    {
        var id = await _cases.SubmitAsync();
        await _cases.TakeAsync(id, LifecycleRules.InformationRequest, ReferralStatus.InformationRequested);
        await _cases.TakeAsync(id, LifecycleRules.Information, ReferralStatus.UnderExamination);
        await _cases.TakeAsync(id, LifecycleRules.Decision, ReferralStatus.Refused, accept: false);
        var (fr, gb) = await _cases.AgreeAsync(id, ReferralStatus.Refused);
        Assert.That(fr["deadlines"]!["reexaminationRequestDueAt"]?.GetValue<DateTimeOffset>(), Is.Not.Null);
        await _cases.TakeAsync(id, LifecycleRules.ReexaminationRequest, ReferralStatus.ReexaminationRequested);
        await _cases.TakeAsync(id, LifecycleRules.Decision, ReferralStatus.Accepted);
        await _cases.TakeAsync(id, LifecycleRules.TransferProposal, ReferralStatus.TransferPlanned);
        await _cases.TakeAsync(id, LifecycleRules.TransferCompletion, ReferralStatus.Transferred);

        (fr, gb) = await _cases.AgreeAsync(id, ReferralStatus.Transferred);
        Assert.That(CaseDriver.Agreement(gb), Is.EqualTo(CaseDriver.Agreement(fr)));
        var steps = fr["history"]!.AsArray().Select(s => s!["step"]!.GetValue<string>()).ToList();
        Assert.That(steps, Is.EqualTo(new[]
        {
            "submission", "receipt", "information-request", "information", "decision", "reexamination-request", "decision",
            "transfer-proposal", "transfer-completion",
        }));
        Assert.That(fr["allowedSteps"]!.AsArray(), Is.Empty);

        // Every message of the case is held by both nodes, with a receipt, in sequence.
        var frMessages = JsonNode.Parse(await _cases.Fr.GetStringAsync($"api/v1/referrals/{id}/messages"))!.AsArray();
        var gbMessages = JsonNode.Parse(await _cases.Gb.GetStringAsync($"api/v1/referrals/{id}/messages"))!.AsArray();
        Assert.That(frMessages, Has.Count.EqualTo(8));
        Assert.That(gbMessages.Select(m => m!["jws"]!.GetValue<string>()), Is.EquivalentTo(frMessages.Select(m => m!["jws"]!.GetValue<string>())));
        Assert.That(frMessages.Select(m => m!["receipt"]?.GetValue<string>()), Has.None.Null);
    }

    [Test]
    public async Task Step_StaleIfMatch_412AndNothingChanged()
    {
        var id = await _cases.SubmitAsync();
        var etag = await CaseDriver.ETagAsync(_cases.Gb, id);
        using var first = await _cases.StepAsync(_cases.Gb, id, "information-request", _cases.Body("information-request"), etag);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var stale = await _cases.StepAsync(_cases.Gb, id, "decision", _cases.Body("decision"), etag);
        Assert.That((int)stale.StatusCode, Is.EqualTo(412), await stale.Content.ReadAsStringAsync());
        await _cases.AgreeAsync(id, ReferralStatus.InformationRequested);
    }

    [Test]
    public async Task Step_MissingIfMatch_428()
    {
        var id = await _cases.SubmitAsync();
        using var response = await _cases.StepAsync(_cases.Gb, id, "decision", _cases.Body("decision"), etag: "");
        Assert.That((int)response.StatusCode, Is.EqualTo(428));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Step_SameIdempotencyKeyReplayed_SameResultAndOneMessage()
    {
        var id = await _cases.SubmitAsync();
        var etag = await CaseDriver.ETagAsync(_cases.Gb, id);
        var key = Guid.NewGuid().ToString();
        using var first = await _cases.StepAsync(_cases.Gb, id, "decision", _cases.Body("decision"), etag, key);
        using var again = await _cases.StepAsync(_cases.Gb, id, "decision", _cases.Body("decision"), etag, key);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), await again.Content.ReadAsStringAsync());
        using var other = await _cases.StepAsync(_cases.Gb, id, "decision", _cases.Body("decision", accept: false), etag, key);
        Assert.That((int)other.StatusCode, Is.EqualTo(422));
        await _cases.AgreeAsync(id, ReferralStatus.Accepted);
        var messages = JsonNode.Parse(await _cases.Gb.GetStringAsync($"api/v1/referrals/{id}/messages"))!.AsArray();
        Assert.That(messages.Count(m => m!["type"]!.GetValue<string>() == "referral.decided"), Is.EqualTo(1));
    }

    [Test]
    public async Task Decision_RefuseWithoutReasons_400NamesReasons()
    {
        var id = await _cases.SubmitAsync();
        using var response = await _cases.StepAsync(_cases.Gb, id, "decision", new JsonObject { ["outcome"] = "REFUSE" });
        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain("reasons"));
    }

    [Test]
    public async Task TransferProposal_DateInPastOrAfterDeadline_400()
    {
        var id = await _cases.SubmitAsync();
        await _cases.TakeAsync(id, "decision", ReferralStatus.Accepted);
        foreach (var date in new[] { "2020-01-01", "2099-01-01" })
        {
            var body = _cases.Body("transfer-proposal");
            body["transferDate"] = date;
            using var response = await _cases.StepAsync(_cases.Fr, id, "transfer-proposal", body);
            Assert.That((int)response.StatusCode, Is.EqualTo(400), date);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain("transferDate"));
        }
        var body2 = _cases.Body("transfer-proposal");
        body2.Remove("arrivalPoint");
        using var missing = await _cases.StepAsync(_cases.Fr, id, "transfer-proposal", body2);
        Assert.That((int)missing.StatusCode, Is.EqualTo(400));
    }

    [Test]
    public async Task Feed_ReadInPages_OrderedGapFreeAndResumable()
    {
        var id = await _cases.SubmitAsync();
        await _cases.TakeAsync(id, "decision", ReferralStatus.Accepted);
        string[] expected = ["referral.created", "message.delivered", "status.changed", "step.received"];
        await NodePair.FeedEventuallyAsync(_cases.Fr, items => expected.All(t => items.Any(e =>
            e!["referralId"]!.GetValue<string>() == id && e["type"]!.GetValue<string>() == t)), because: "the case's events are sequenced");
        var all = new List<JsonNode>();
        long after = 0;
        while (true)
        {
            var page = await NodePair.GetJsonAsync(_cases.Fr, $"api/v1/events?after={after}&limit=3");
            var items = page["items"]!.AsArray();
            if (items.Count == 0)
            {
                Assert.That(page["last"]!.GetValue<long>(), Is.EqualTo(after), "an empty page keeps the cursor");
                break;
            }
            all.AddRange(items.Select(i => i!.DeepClone()));
            after = page["last"]!.GetValue<long>();
        }
        var positions = all.Select(e => e["position"]!.GetValue<long>()).ToList();
        Assert.That(positions, Is.EqualTo(Enumerable.Range(1, positions.Count).Select(i => (long)i)), "gap-free from 1");
        var mine = all.Where(e => e["referralId"]!.GetValue<string>() == id).Select(e => e["type"]!.GetValue<string>()).ToList();
        Assert.That(mine, Is.SupersetOf(expected));
    }

    [TestCase("after=-1")]
    [TestCase("limit=0")]
    [TestCase("limit=100000")]
    [TestCase("after=abc")]
    public async Task Feed_BadQuery_400Problem(string query)
    {
        using var response = await _cases.Fr.GetAsync($"api/v1/events?{query}");
        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task List_OverdueAndDueBefore_FilterOnOpenDeadline()
    {
        var id = await _cases.SubmitAsync();
        var farFuture = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddYears(1).ToString("O"));
        var due = await NodePair.GetJsonAsync(_cases.Gb, $"api/v1/referrals?dueBefore={farFuture}&limit=200");
        Assert.That(due["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Contain(id));
        var soon = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        var notDue = await NodePair.GetJsonAsync(_cases.Gb, $"api/v1/referrals?dueBefore={soon}&limit=200");
        Assert.That(notDue["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Not.Contain(id));
        var overdue = await NodePair.GetJsonAsync(_cases.Gb, "api/v1/referrals?overdue=true&limit=200");
        Assert.That(overdue["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Not.Contain(id));
    }
}
