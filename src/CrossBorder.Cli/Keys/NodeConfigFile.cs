using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrossBorder.Cli.Keys;

/// <summary>A node's JSON configuration file, as the key commands edit it: read whole, changed, written back (mode 600).</summary>
public sealed class NodeConfigFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly JsonObject _root;

    private NodeConfigFile(string path, JsonObject root, JsonObject node) => (Path, _root, Node) = (path, root, node);

    public string Path { get; }

    /// <summary>The <c>Node</c> section.</summary>
    public JsonObject Node { get; }

    public static async Task<NodeConfigFile> LoadAsync(string path, CancellationToken ct)
    {
        var full = System.IO.Path.GetFullPath(path);
        var root = JsonNode.Parse(await File.ReadAllTextAsync(full, ct)) as JsonObject
            ?? throw new InvalidOperationException($"{full} is not a JSON object");
        var node = root["Node"] as JsonObject ?? throw new InvalidOperationException($"{full} has no Node section");
        return new NodeConfigFile(full, root, node);
    }

    public void Save() => DevKeyMaterial.WritePrivate(Path, _root.ToJsonString(Indented));
}
