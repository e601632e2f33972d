using System.Net;
using System.Text.Json.Nodes;
using System.Text;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Contract;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;
namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>Drives cases through the lifecycle over HTTP on both nodes of a pair.</summary>
public sealed class CaseDriver(NodePair pair, HttpClient fr, HttpClient gb)
{
    private HttpClient fr = fr;
    private HttpClient gb = gb;

    public static async Task<CaseDriver> CreateAsync(NodePair pair) =>
        new(pair, await pair.Fr.MinistryAsync(), await pair.Gb.MinistryAsync());

    /// <summary>Moves the shared clock; tokens live 5 minutes of that clock, so fresh ones are taken.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        pair.Clock.Advance(by);
        fr = await pair.Fr.MinistryAsync();
        gb = await pair.Gb.MinistryAsync();
    }

    public HttpClient Fr => fr;
    public HttpClient Gb => gb;

    /// <summary>The client of the node on <paramref name="side"/> (FR requests, GB is requested).</summary>
    public HttpClient Of(Side side) => side == Side.Requesting ? fr : gb;

    public async Task<string> SubmitAsync(bool urgent = false)
    {
        var body = NodePair.ExampleReferral();
        if (urgent) body["urgent"] = new JsonObject { ["isUrgent"] = true, ["reason"] = "Medical needs." };
        using var response = await NodePair.PostReferralAsync(fr, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await AgreeAsync(id, ReferralStatus.UnderExamination);
        return id;
    }

    /// <summary>An example body for a step; a transfer proposal is dated a week after the test clock's today.</summary>
    public JsonObject Body(string step, bool accept = true)
    {
        var name = step == LifecycleRules.Decision ? (accept ? "decision-accept" : "decision-refuse") : step;
        var body = JsonNode.Parse(ExampleDocuments.Read($"{name}.json"))!.AsObject();
        if (step == LifecycleRules.TransferProposal)
            body["transferDate"] = DateOnly.FromDateTime(pair.Clock.GetUtcNow().UtcDateTime.AddDays(7)).ToString("yyyy-MM-dd");
        return body;
    }

    public async Task<HttpResponseMessage> StepAsync(HttpClient client, string id, string step, JsonNode body, string? etag = null,
        string? key = null)
    {
        etag ??= await ETagAsync(client, id);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/referrals/{id}/{step}")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        if (etag.Length > 0) request.Headers.TryAddWithoutValidation("If-Match", etag);
        return await client.SendAsync(request);
    }

    /// <summary>Takes a step that must succeed, then waits until both nodes show <paramref name="expected"/>.</summary>
    public async Task TakeAsync(string id, string step, string expected, bool accept = true)
    {
        var side = LifecycleRules.Find(step)!.TakenBy;
        using var response = await StepAsync(Of(side), id, step, Body(step, accept));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{step}: {await response.Content.ReadAsStringAsync()}");
        await AgreeAsync(id, expected);
    }

    public static async Task<string> ETagAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"api/v1/referrals/{id}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return response.Headers.ETag!.ToString();
    }

    /// <summary>
    /// Waits until both nodes show the status, each node's own messages are delivered, and both agree. The two reads are
    /// not one snapshot: the first node may be read just before the other's last message reaches it (seen in CI), so
    /// agreement is awaited too; a real disagreement still fails, after the timeout.
    /// </summary>
    public async Task<(JsonObject Fr, JsonObject Gb)> AgreeAsync(string id, string expected)
    {
        var last = await NodePair.EventuallyAsync(async () =>
            (Fr: await TryGetAsync(fr, id), Gb: await TryGetAsync(gb, id)),
            v => v.Fr is not null && v.Gb is not null && Settled(v.Fr, expected) && Settled(v.Gb, expected)
                && Agreement(v.Fr) == Agreement(v.Gb),
            TimeSpan.FromSeconds(30), $"both nodes at {expected}, agreeing");
        return (last.Fr!, last.Gb!);
    }

    /// <summary>Waits until no step of the case awaits a receipt on either node and both show one status.</summary>
    public async Task<string> SettledAsync(string id)
    {
        static bool Quiet(JsonObject r) =>
            r["history"]!.AsArray().All(h => h!["state"]!.GetValue<string>() is not ("pending" or "held"))
            && (r["delivery"] is not JsonObject d || d["state"]!.GetValue<string>() == "delivered");
        var last = await NodePair.EventuallyAsync(async () => (Fr: await TryGetAsync(fr, id), Gb: await TryGetAsync(gb, id)),
            v => v.Fr is not null && v.Gb is not null && Quiet(v.Fr) && Quiet(v.Gb)
                && v.Fr["status"]!.GetValue<string>() == v.Gb["status"]!.GetValue<string>(),
            TimeSpan.FromSeconds(30), "both nodes settled");
        return last.Fr!["status"]!.GetValue<string>();
    }

    private static async Task<JsonObject?> TryGetAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"api/v1/referrals/{id}");
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static bool Settled(JsonObject referral, string expected) =>
        referral["status"]!.GetValue<string>() == expected
        && (referral["delivery"] is not JsonObject delivery || delivery["state"]!.GetValue<string>() == "delivered");

    /// <summary>What both nodes must agree on: status, deadlines and the step history.</summary>
    public static string Agreement(JsonObject referral) => new JsonObject
    {
        ["status"] = referral["status"]!.DeepClone(),
        ["deadlines"] = Without(referral["deadlines"]!.AsObject(), "overdue"),
        ["history"] = referral["history"]!.DeepClone(),
    }.ToJsonString();

    private static JsonObject Without(JsonObject o, string key)
    {
        var copy = o.DeepClone().AsObject();
        copy.Remove(key);
        return copy;
    }
}
