using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Tests.Contract;

/// <summary>
/// The committed contract (<c>openapi/*.json</c>) is what a running node serves. With
/// <c>CROSSBORDER_UPDATE_OPENAPI=1</c> the test writes the served documents instead of comparing. The documents are
/// served by an endpoint of their own: a request for anything else never builds the document generator.
/// </summary>
[TestFixture]
public sealed class OpenApiDocumentTests
{
    public const string UpdateVariable = "CROSSBORDER_UPDATE_OPENAPI";
    public const string RegenerateCommand =
        "CROSSBORDER_UPDATE_OPENAPI=1 dotnet test tests/CrossBorder.Node.Tests --filter \"FullyQualifiedName~Contract.OpenApiDocumentTests\"";

    public static readonly (string Route, string File)[] Documents =
    [
        ("openapi/v1.json", "crossborder-v1.json"),
        ("openapi/exchange-v1.json", "crossborder-exchange-v1.json"),
    ];

    private static readonly JsonSerializerOptions Written = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable diffs: keep quotes, accents and '<' as they are
    };

    private TestNode _fr = null!;
    private TestNode _gb = null!;
    private int _generators;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var clock = new TestClock();
        _fr = new TestNode("FR", await TestDatabase.CreateAsync("fr"), clock);
        _gb = new TestNode("GB", await TestDatabase.CreateAsync("gb"), clock) { Peer = _fr };
        _fr.Peer = _gb; // configured as the peer only; the served documents do not depend on it running
        // A counted generator, registered before the node's own (AddSwaggerGen adds its generator only when none is).
        await _fr.StartAsync(configure: builder => builder.Services.AddTransient<ISwaggerProvider>(services =>
        {
            Interlocked.Increment(ref _generators);
            return ActivatorUtilities.CreateInstance<SwaggerGenerator>(services);
        }));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _fr.DisposeAsync();
        await _gb.DisposeAsync();
    }

    [TestCaseSource(nameof(Documents))]
    public async Task ServedDocument_EqualsCommittedFile((string Route, string File) document)
    {
        var served = Normalize(await FetchAsync(_fr, document.Route));
        var path = Path.Combine(RepositoryRoot(), "openapi", document.File);
        var text = served.ToJsonString(Written) + "\n";

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            // Update mode writes the file, then the comparison below checks what was written.
            await File.WriteAllTextAsync(path, text);
            TestContext.Out.WriteLine($"Wrote {path}.");
        }

        Assert.That(File.Exists(path), Is.True, $"{path} is missing. Regenerate with:\n  {RegenerateCommand}");
        var committed = Normalize(JsonNode.Parse(await File.ReadAllTextAsync(path))!);
        if (!JsonNode.DeepEquals(served, committed))
            Assert.Fail($"openapi/{document.File} differs from what the node serves at /{document.Route} " +
                $"(first difference at {FirstDifference(committed, served, "#")}). If the change is intended, regenerate with:\n  {RegenerateCommand}");
    }

    [TestCaseSource(nameof(Documents))]
    public async Task ServedDocument_DoesNotNameTheNodeUrl((string Route, string File) document)
    {
        var text = (await FetchAsync(_fr, document.Route)).ToJsonString();
        Assert.That(text, Does.Not.Contain($"127.0.0.1:{_fr.Port}"), "the contract must be the same whichever node serves it");
    }

    [Test]
    public async Task SwaggerUi_IsServedWithBothDocumentsAndClientCredentials()
    {
        using var http = _fr.Anonymous();
        using var page = await http.GetAsync("swagger/index.html");
        Assert.That((int)page.StatusCode, Is.EqualTo(200));
        var config = await http.GetStringAsync("swagger/index.js");
        Assert.That(config, Does.Contain("/openapi/v1.json").And.Contain("/openapi/exchange-v1.json"));
        // The UI takes the token URL from the documents: relative, so it is this node's own /connect/token.
        var spec = await FetchAsync(_fr, Documents[0].Route);
        Assert.That(spec["components"]!["securitySchemes"]!["oauth2"]!["flows"]!["clientCredentials"]!["tokenUrl"]!.GetValue<string>(),
            Is.EqualTo("/connect/token"));
    }

    /// <summary>Swashbuckle's middleware resolved a generator (transient) on every request that passed it.</summary>
    [Test]
    public async Task ApiRequests_DoNotBuildTheDocumentGenerator_TheDocumentRequestDoes()
    {
        using var ministry = await _fr.MinistryAsync();
        var before = Volatile.Read(ref _generators);
        using (var list = await ministry.GetAsync("api/v1/referrals"))
            Assert.That((int)list.StatusCode, Is.EqualTo(200));
        using (var missing = await ministry.GetAsync($"api/v1/referrals/{Guid.NewGuid()}"))
            Assert.That((int)missing.StatusCode, Is.EqualTo(404));
        using (var health = await _fr.Anonymous().GetAsync("health/live"))
            Assert.That((int)health.StatusCode, Is.EqualTo(200));
        Assert.That(Volatile.Read(ref _generators), Is.EqualTo(before), "a request for something else built the document generator");

        var document = await FetchAsync(_fr, Documents[1].Route);
        Assert.That(document["openapi"]!.GetValue<string>(), Does.StartWith("3.1"));
        Assert.That(Volatile.Read(ref _generators), Is.GreaterThan(before));

        using var unknown = await _fr.Anonymous().GetAsync("openapi/v2.json");
        await SecurityAssert.ProblemAsync(unknown, 404, "CB0006");
    }

    [TestCaseSource(nameof(Documents))]
    public async Task EveryOperation_IsCompleteByConvention((string Route, string File) document)
    {
        var spec = await FetchAsync(_fr, document.Route);
        var missing = new List<string>();
        foreach (var (path, method, operation) in Operations(spec))
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            foreach (var field in new[] { "operationId", "summary", "description", "tags", "security" })
                if (operation[field] is null) missing.Add($"{name}: no {field}");
            var responses = operation["responses"]!.AsObject();
            if (!responses.Any(r => r.Key.StartsWith('2')))
                missing.Add($"{name}: no success response");
            if (!responses.Any(r => r.Key.StartsWith('2') && r.Value?["content"]?.AsObject().Any(m => m.Value?["example"] is not null) == true))
                missing.Add($"{name}: no success response example");
            if (operation["requestBody"]?["content"]?.AsObject().Any(m => m.Value?["example"] is null && m.Value?["examples"] is null) == true)
                missing.Add($"{name}: a request body without an example");
            var secured = operation["security"]?.AsArray().Count > 0;
            foreach (var status in secured ? new[] { "401", "403", "429", "500" } : ["429", "500"])
                if (responses[status] is null) missing.Add($"{name}: no {status} response");
        }
        Assert.That(missing, Is.Empty, "Name and describe the endpoint (.WithName/.WithSummary/.WithDescription); the rest comes from Contract/.");
    }

    public static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonNode spec) =>
        spec["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => op.Key is "get" or "post" or "put" or "patch" or "delete")
            .Select(op => (path.Key, op.Key, op.Value!.AsObject())));

    public static async Task<JsonNode> FetchAsync(TestNode node, string route)
    {
        using var http = node.Anonymous();
        using var response = await http.GetAsync(route);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Drops what may differ between two nodes serving the same contract: nothing today but a host-bound server.</summary>
    private static JsonNode Normalize(JsonNode document)
    {
        var copy = document.DeepClone();
        if (copy["servers"] is JsonArray servers)
            foreach (var server in servers.OfType<JsonObject>())
                if (server["url"]?.GetValue<string>() is { } url && Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.IsLoopback)
                    server["url"] = "/";
        return copy;
    }

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string pointer)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                if (!JsonNode.DeepEquals(e[key], a[key]))
                    return FirstDifference(e[key], a[key], $"{pointer}/{key.Replace("~", "~0").Replace("/", "~1")}");
        }
        else if (expected is JsonArray ea && actual is JsonArray aa && ea.Count == aa.Count)
        {
            for (var i = 0; i < ea.Count; i++)
                if (!JsonNode.DeepEquals(ea[i], aa[i]))
                    return FirstDifference(ea[i], aa[i], $"{pointer}/{i}");
        }
        return pointer;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CrossBorder.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("No CrossBorder.sln above the test assembly.");
    }
}
