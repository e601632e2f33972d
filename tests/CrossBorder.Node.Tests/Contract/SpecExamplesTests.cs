using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Contract;
using CrossBorder.Node.Tests.Infrastructure;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Node.Tests.Contract;

/// <summary>
/// Walks the served documents' examples against two running nodes, as a new integrator would after
/// <c>crossborder up</c>: every example request is sent as written and must get the documented success
/// status. The two substitutions the documents tell the user to make are made here too: the client
/// secret (from <c>.local/dev-clients.json</c>) and ids of created resources (from the response links); a
/// lifecycle step also takes the referral's current ETag as If-Match, as its parameter says.
/// </summary>
[TestFixture]
public sealed class SpecExamplesTests
{
    /// <summary>Operations whose example cannot be replayed as written, and why. Every other operation is walked.</summary>
    private static readonly IReadOnlyDictionary<string, string> NotReplayable = new Dictionary<string, string>
    {
        ["DeliverMessage"] = "the body is a JWS signed by the peer node's private key, for a fresh time window and sequence",
        ["CosignCheckpoint"] = "the body is a checkpoint signed by the peer node's private key",
        ["RedriveDeadLetter"] = "it needs a message the peer refused for good; Console/ConsoleOperatorTests makes one and re-drives it",
        ["UploadAttachment"] = "the body is a document's raw bytes, shown as a placeholder text; Attachments/AttachmentTests upload real ones",
        ["DownloadAttachment"] = "it needs a document uploaded first; Attachments/AttachmentTests download them",
        ["GetAttachmentTransfer"] = "peer-only: the exchange token of the peer node; Attachments/AttachmentTransferTests transfer documents",
        ["PutAttachmentContent"] = "peer-only: the exchange token of the peer node, for a referral the peer holds",
        ["GetCaseTimeline"] = "its example names a referral of the example's world; Console/ConsoleAuditorTests opens a real case's timeline",
    };

    private NodePair _pair = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _pair = await NodePair.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    /// <summary>
    /// The lifecycle steps in an order where each one's example is valid: the CreateReferral example's referral
    /// goes from examination to transfer; re-examination (which needs a refusal) and withdrawal (which needs an open
    /// case) are sent on a second referral the walk drives to REFUSED first.
    /// </summary>
    private static readonly string[] StepOrder =
    [
        LifecycleRules.InformationRequest, LifecycleRules.Information, LifecycleRules.Decision, LifecycleRules.TransferProposal,
        LifecycleRules.TransferCompletion, LifecycleRules.ReexaminationRequest, LifecycleRules.Withdrawal,
    ];

    [Test]
    public async Task EveryExample_SentAsWritten_GetsTheDocumentedStatus()
    {
        var node = _pair.Fr;
        var operations = new List<(string Path, string Method, JsonObject Operation)>();
        foreach (var (route, _) in OpenApiDocumentTests.Documents)
            operations.AddRange(OpenApiDocumentTests.Operations(await OpenApiDocumentTests.FetchAsync(node, route)));

        var token = operations.Single(o => o.Operation["operationId"]?.GetValue<string>() == TokenOperation.OperationId);
        var accessToken = await GetTokenAsync(node, token.Operation);
        var driver = await CaseDriver.CreateAsync(_pair);
        var linked = new Dictionary<string, Dictionary<string, string>>(); // operationId -> parameter -> value
        var walked = new List<string> { TokenOperation.OperationId };
        string? secondReferral = null;
        var auditReady = false;

        foreach (var (path, method, operation) in operations.Where(o => o != token).OrderBy(o => Phase(o.Path, o.Method, o.Operation)).ToList())
        {
            var id = operation["operationId"]!.GetValue<string>();
            if (NotReplayable.ContainsKey(id))
                continue;
            var values = new Dictionary<string, string>(linked.GetValueOrDefault(id) ?? []);
            var target = node;
            var bearer = accessToken;
            if (OperationExamples.StepOf(id) is { } step)
            {
                // A step goes to the node of the side that takes it (a referral created at FR is held by GB under the
                // same id), on a referral in a status that allows it, with that node's current ETag as If-Match.
                Assert.That(values.ContainsKey("id"), $"{id}: the CreateReferral response links no id to it");
                if (step.Name is LifecycleRules.ReexaminationRequest or LifecycleRules.Withdrawal)
                {
                    if (secondReferral is null)
                    {
                        // The decision's other outcome, its "refuse" example sent as written, brings the second referral to REFUSED.
                        secondReferral = await driver.SubmitAsync();
                        var decision = operations.Single(o => OperationExamples.StepOf(o.Operation["operationId"]!.GetValue<string>())?.Name == LifecycleRules.Decision);
                        await SendOutcomeAsync(decision, "refuse", secondReferral, driver);
                        walked.Add(decision.Operation["operationId"]!.GetValue<string>() + "/refuse");
                    }
                    values["id"] = secondReferral;
                }
                else if (step.Name == StepOrder[0])
                    await driver.AgreeAsync(values["id"], ReferralStatus.UnderExamination);
                var client = driver.Of(step.TakenBy);
                target = step.TakenBy == Side.Requesting ? _pair.Fr : _pair.Gb;
                bearer = client.DefaultRequestHeaders.Authorization!.Parameter!;
                values[ContractInfo.IfMatchHeader] = await CaseDriver.ETagAsync(client, values["id"]);
            }
            else if ((path.StartsWith("/api/v1/audit/", StringComparison.Ordinal) || path.EndsWith("/evidence", StringComparison.Ordinal)) && !auditReady)
            {
                // The audit examples need a log of two sequenced entries and a checkpoint: a fresh node has them
                // within a checkpoint interval of the token and CreateReferral examples.
                await WaitForAuditLogAsync(node, minimumSize: 2);
                auditReady = true;
            }

            using var http = target.Anonymous();
            var scopes = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().SelectMany(s => s.Value!.AsArray()))
                .Select(s => s!.GetValue<string>()).ToList() ?? [];
            if (scopes.Count > 0)
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                    scopes.Any(s => s.StartsWith("referrals.", StringComparison.Ordinal)) ? bearer : await OtherTokenAsync(target, scopes));

            using var request = BuildRequest(path, method, operation, values, Today);
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var expected = operation["responses"]!.AsObject().Select(r => r.Key).Where(k => k.StartsWith('2')).Order().First();
            Assert.That(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected),
                $"{method.ToUpperInvariant()} {request.RequestUri} ({id}) as documented: {text}");
            walked.Add(id);
            CollectLinks(operation, expected, text, linked);
            if (OperationExamples.StepOf(id) is not null)
                await driver.SettledAsync(values["id"]); // the step is pending until the peer's receipt decides it
        }

        TestContext.Out.WriteLine($"Walked: {string.Join(", ", walked)}");
        var all = operations.Select(o => o.Operation["operationId"]!.GetValue<string>()).Where(id => !NotReplayable.ContainsKey(id))
            .Concat(operations.SelectMany(o => NamedExamples(o.Operation).Skip(1).Select(n => $"{o.Operation["operationId"]!.GetValue<string>()}/{n}")));
        Assert.That(walked, Is.EquivalentTo(all), "every operation not listed in NotReplayable is walked once, with each of its named examples");
    }

    private DateOnly Today => DateOnly.FromDateTime(_pair.Clock.GetUtcNow().UtcDateTime);

    /// <summary>The names of an operation's request examples (<c>examples</c>), the first being the one the walk sends by default.</summary>
    public static IReadOnlyList<string> NamedExamples(JsonObject operation) =>
        operation["requestBody"]?["content"]?.AsObject().FirstOrDefault().Value?["examples"] is JsonObject examples
            ? [.. examples.Select(e => e.Key)]
            : [];

    /// <summary>Sends the named example of a lifecycle step as written (dates aside) and waits until both nodes agree on its result.</summary>
    private async Task SendOutcomeAsync((string Path, string Method, JsonObject Operation) step, string example, string referral, CaseDriver driver)
    {
        var definition = OperationExamples.StepOf(step.Operation["operationId"]!.GetValue<string>())!;
        var client = driver.Of(definition.TakenBy);
        var values = new Dictionary<string, string>
        {
            ["id"] = referral,
            [ContractInfo.IfMatchHeader] = await CaseDriver.ETagAsync(client, referral),
        };
        using var request = BuildRequest(step.Path, step.Method, step.Operation, values, Today, example);
        // The operation documents one Idempotency-Key example, already spent on its first example's change: another
        // intended change takes another key (Swagger UI's "Try it out" makes a fresh one each time, for the same reason).
        request.Headers.Remove("Idempotency-Key");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), $"{step.Path} with its '{example}' example: {text}");
        // The answer shows the status before the step (it is pending until its receipt); both nodes then reach the step's result.
        var before = JsonNode.Parse(text)!["status"]!.GetValue<string>();
        await driver.AgreeAsync(referral, LifecycleRules.Next(before, definition.Name, accepted: example != "refuse") ?? before);
    }

    /// <summary>
    /// The example dates that must be relative to the day of sending (<see cref="OperationExamples.DatesNote"/>), moved to
    /// today: a transfer a week ahead, an arrival today. Everything else is sent as written; <see cref="ExampleDatesTests"/>
    /// checks that the dates as written are still accepted.
    /// </summary>
    public static JsonNode AsOf(JsonNode example, DateOnly today)
    {
        var copy = example.DeepClone();
        if (copy is JsonObject body)
        {
            if (body.ContainsKey("transferDate")) body["transferDate"] = today.AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            if (body.ContainsKey("arrivedOn")) body["arrivedOn"] = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }
        return copy;
    }

    /// <summary>
    /// Creating operations first (their responses link ids to the rest), then reads, then the lifecycle steps in
    /// <see cref="StepOrder"/>, then the audit log, which by then holds what the walk did.
    /// </summary>
    private static (int, int, int) Phase(string path, string method, JsonObject operation)
    {
        var id = operation["operationId"]!.GetValue<string>();
        if (path.StartsWith("/api/v1/audit/", StringComparison.Ordinal) || path.EndsWith("/evidence", StringComparison.Ordinal))
            return (4, 0, 0);
        if (OperationExamples.StepOf(id) is { } step)
            return (3, Array.IndexOf(StepOrder, step.Name), 0);
        return (path.Contains('{') ? 2 : method == "post" ? 0 : 1, 0, 0);
    }

    private static async Task WaitForAuditLogAsync(TestNode node, long minimumSize)
    {
        using var auditor = await node.AuditorAsync();
        await NodePair.EventuallyAsync(async () =>
            {
                using var response = await auditor.GetAsync("api/v1/audit/checkpoints/latest");
                return response.IsSuccessStatusCode
                    ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["treeSize"]!.GetValue<long>()
                    : 0;
            },
            size => size >= minimumSize, TimeSpan.FromSeconds(30), $"a checkpoint of at least {minimumSize} audit entries");
    }

    private async Task<string> GetTokenAsync(TestNode node, JsonObject operation)
    {
        var example = operation["requestBody"]!["content"]!["application/x-www-form-urlencoded"]!["example"]!.AsObject();
        var form = example.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        Assert.That(form["client_secret"], Is.EqualTo(OperationExamples.ClientSecretPlaceholder), "the one substitution the token example asks for");
        Assert.That(form["client_id"], Is.EqualTo(node.MinistryClientId), "the example names the ministry client `crossborder up` creates");
        form["client_secret"] = node.MinistrySecret;
        using var http = node.Anonymous();
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonNode.Parse(text)!["access_token"]!.GetValue<string>();
    }

    /// <summary>Scopes the ministry example token does not hold (audit, operations) come from the client that holds them.</summary>
    private static async Task<string> OtherTokenAsync(TestNode node, IReadOnlyList<string> scopes)
    {
        Assert.That(scopes, Has.Count.EqualTo(1).And.One.AnyOf("audit.read", "operations"), "only ministry, auditor and operator operations are walked");
        using var client = scopes[0] == "operations" ? await node.OperatorAsync() : await node.AuditorAsync();
        return client.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    private static HttpRequestMessage BuildRequest(string path, string method, JsonObject operation, Dictionary<string, string>? linked,
        DateOnly today, string? exampleName = null)
    {
        var query = new List<string>();
        var headers = new List<(string, string)>();
        foreach (var parameter in operation["parameters"]?.AsArray().Select(p => p!.AsObject()) ?? [])
        {
            var name = parameter["name"]!.GetValue<string>();
            var value = linked?.GetValueOrDefault(name) ?? Scalar(parameter["example"]);
            if (value is null)
            {
                Assert.That(parameter["required"]?.GetValue<bool>() ?? false, Is.False, $"required parameter '{name}' of {path} has no example");
                continue;
            }
            switch (parameter["in"]!.GetValue<string>())
            {
                case "path": path = path.Replace($"{{{name}}}", Uri.EscapeDataString(value), StringComparison.Ordinal); break;
                case "query": query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}"); break;
                case "header": headers.Add((name, value)); break;
            }
        }
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()),
            path.TrimStart('/') + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        if (operation["requestBody"]?["content"]?.AsObject().FirstOrDefault() is { Key: var mediaType, Value: { } media })
        {
            var example = media["examples"] is JsonObject named
                ? named[exampleName ?? named.First().Key]?["value"]
                : media["example"];
            Assert.That(example, Is.Not.Null, $"{path}: the request body has no example{(exampleName is null ? "" : $" '{exampleName}'")}");
            request.Content = mediaType == "application/json"
                ? new StringContent(AsOf(example!, today).ToJsonString(), Encoding.UTF8, mediaType)
                : new StringContent(example!.GetValue<string>(), Encoding.ASCII, mediaType);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }
        return request;
    }

    /// <summary>Evaluates the response's links (<c>$response.body#/pointer</c>) for the operations they name.</summary>
    private static void CollectLinks(JsonObject operation, string status, string body, Dictionary<string, Dictionary<string, string>> linked)
    {
        if (operation["responses"]![status]?["links"] is not JsonObject links)
            return;
        var json = JsonNode.Parse(body);
        foreach (var (_, link) in links)
        {
            var target = link!["operationId"]!.GetValue<string>();
            foreach (var (parameter, expression) in link["parameters"]!.AsObject())
            {
                var pointer = expression!.GetValue<string>();
                Assert.That(pointer, Does.StartWith("$response.body#/"), "only body links are supported");
                var value = pointer["$response.body#/".Length..].Split('/').Aggregate(json, (node, key) => node?[key]);
                if (Scalar(value) is { } text)
                    (linked.TryGetValue(target, out var values) ? values : linked[target] = [])[parameter] = text;
            }
        }
    }

    private static string? Scalar(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };
}
