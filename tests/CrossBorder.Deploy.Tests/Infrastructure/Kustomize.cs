namespace CrossBorder.Deploy.Tests.Infrastructure;

/// <summary>
/// Renders a kustomization exactly as an operator would: <c>kubectl kustomize DIR</c> (kubectl embeds kustomize), or
/// a standalone <c>kustomize build DIR</c>. KUBECTL may name the binary; the dotnet machine image ships kubectl.
/// </summary>
public static class Kustomize
{
    private static readonly Dictionary<string, List<Manifest>> Rendered = [];

    public static async Task<List<Manifest>> RenderAsync(string relativeDirectory)
    {
        lock (Rendered)
        {
            if (Rendered.TryGetValue(relativeDirectory, out var cached))
                return cached;
        }
        var tool = Tool.Require("KUBECTL",
            "Install kubectl (it embeds kustomize) or a standalone kustomize; see deploy/README.md, \"Validating the manifests\".",
            "kubectl", "kustomize");
        var arguments = System.IO.Path.GetFileName(tool).StartsWith("kustomize", StringComparison.Ordinal)
            ? new[] { "build", Repository.PathOf(relativeDirectory) }
            : ["kustomize", Repository.PathOf(relativeDirectory)];
        var result = await Tool.RunAsync(tool, arguments);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"{tool} {string.Join(' ', arguments)} failed: {result.Error}");
        var manifests = Manifest.Parse(result.Output);
        lock (Rendered) Rendered[relativeDirectory] = manifests;
        return manifests;
    }
}
