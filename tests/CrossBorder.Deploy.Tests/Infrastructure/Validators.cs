using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrossBorder.Deploy.Tests.Infrastructure;

/// <summary>
/// The published validators in validators/ (an npm package: <c>npm ci --prefix tests/CrossBorder.Deploy.Tests/validators</c>):
/// Kubernetes' OpenAPI schemas (kubernetes-models), the Prometheus Operator CRDs' schemas
/// (@kubernetes-models/prometheus-operator) and Docker's .dockerignore matcher (@balena/dockerignore).
/// </summary>
public static class Validators
{
    private const string Folder = "tests/CrossBorder.Deploy.Tests/validators";

    public sealed record SchemaResult(string Kind, string? Name, string? Validator, string? Error);

    public static async Task<List<SchemaResult>> ValidateManifestsAsync(IEnumerable<Manifest> manifests)
    {
        var input = new JsonArray(manifests.Select(m => (JsonNode)m.Json.DeepClone()).ToArray()).ToJsonString();
        var output = await RunAsync(["manifests"], input);
        return JsonSerializer.Deserialize<List<SchemaResult>>(output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Which of <paramref name="paths"/> (relative to the build context) Docker leaves out of the context.</summary>
    public static async Task<Dictionary<string, bool>> DockerIgnoredAsync(string dockerignore, IEnumerable<string> paths)
    {
        var output = await RunAsync(["dockerignore", dockerignore], JsonSerializer.Serialize(paths));
        return JsonSerializer.Deserialize<Dictionary<string, bool>>(output)!;
    }

    private static async Task<string> RunAsync(string[] arguments, string stdin)
    {
        var folder = Repository.PathOf(Folder);
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
            Assert.Fail($"the validators are not installed: run `npm ci --prefix {Folder}` (.ci/run does)");
        var node = Tool.Require("NODE", "Install Node.js (.ci/run installs it with npm).", "node");
        var result = await Tool.RunAsync(node, arguments.Prepend("validate.mjs"), stdin, folder);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"validate.mjs {string.Join(' ', arguments)}: {result.Error}");
        return result.Output;
    }
}
