using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Node.Tests.Retention;

/// <summary>
/// Issue 14, responses: a write and its idempotent replay answer with the case's metadata only, never the personal data
/// the request carried (a write-only client reads nothing, and nothing unaudited leaves the node).
/// </summary>
public sealed class WriteResponseTests
{
    private const string Marker = "Selam Haile told the caseworker";

    [Test]
    public async Task CreateAndStep_AndTheirReplays_AnswerMetadataOnly()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var body = NodePair.ExampleReferral();
        var key = Guid.NewGuid().ToString();

        var created = await PostAsync(() => NodePair.PostReferralAsync(cases.Fr, body, key), HttpStatusCode.Created, "create");
        var replayed = await PostAsync(() => NodePair.PostReferralAsync(cases.Fr, body, key), HttpStatusCode.Created, "create replay");
        var id = created["id"]!.GetValue<string>();
        Assert.That(replayed["id"]!.GetValue<string>(), Is.EqualTo(id));
        await cases.AgreeAsync(id, "UNDER_EXAMINATION");

        var decision = cases.Body(LifecycleRules.Decision, accept: false);
        decision["reasons"] = Marker;
        var etag = await CaseDriver.ETagAsync(cases.Gb, id);
        var stepKey = Guid.NewGuid().ToString();
        var step = await PostAsync(() => cases.StepAsync(cases.Gb, id, LifecycleRules.Decision, decision, etag, stepKey), HttpStatusCode.OK, "step");
        var stepReplay = await PostAsync(() => cases.StepAsync(cases.Gb, id, LifecycleRules.Decision, decision, etag, stepKey), HttpStatusCode.OK,
            "step replay");
        Assert.That(stepReplay["id"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(step["etag"]?.GetValue<string>() ?? step["eTag"]?.GetValue<string>(), Is.Not.Null, "the metadata a client needs next");
        Assert.That(step.ToJsonString() + stepReplay.ToJsonString(), Does.Not.Contain(Marker), "the step's text is not echoed");
    }

    /// <summary>Posts, checks the status and that the answer has the case's metadata and no personal data; returns it.</summary>
    private static async Task<JsonObject> PostAsync(Func<Task<HttpResponseMessage>> post, HttpStatusCode expected, string what)
    {
        using var response = await post();
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), $"{what}: {text}");
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(json["id"], Is.Not.Null, $"{what}: metadata");
            Assert.That(json["status"], Is.Not.Null, $"{what}: metadata");
            Assert.That(response.Headers.ETag, Is.Not.Null, $"{what}: ETag");
            Assert.That(RetentionProbe.PropertyNames(json).Intersect(RetentionProbe.PersonalProperties), Is.Empty, $"{what}: no personal-data member");
            Assert.That(RetentionProbe.PersonalValues.Where(text.Contains), Is.Empty, $"{what}: no personal value");
        });
        return json;
    }
}
