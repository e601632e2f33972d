using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace CrossBorder.Deploy.Tests.Infrastructure;

/// <summary>One Kubernetes object of a rendered kustomization: its YAML text, a JSON view, and its typed model when the kind is Kubernetes' own.</summary>
public sealed record Manifest(string ApiVersion, string Kind, string Name, string Yaml, JsonObject Json)
{
    /// <summary>The KubernetesClient model types by "apiVersion/kind" (apiVersion with its group, e.g. "apps/v1/Deployment").</summary>
    public static IReadOnlyDictionary<string, Type> CoreTypes { get; } = typeof(V1Deployment).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(e => e.Entity is not null && !e.Type.Name.EndsWith("List", StringComparison.Ordinal))
        .GroupBy(e => Key(string.IsNullOrEmpty(e.Entity!.Group) ? e.Entity.ApiVersion : $"{e.Entity.Group}/{e.Entity.ApiVersion}", e.Entity.Kind))
        .ToDictionary(g => g.Key, g => g.First().Type);

    public string Key() => Key(ApiVersion, Kind);

    public bool IsCore => CoreTypes.ContainsKey(Key());

    /// <summary>
    /// The typed model, deserialized strictly: a field the Kubernetes API does not define, or a value of the wrong
    /// type, throws (the API server would prune or reject it, so a typo would silently do nothing).
    /// </summary>
    public object Typed()
    {
        var type = CoreTypes[Key()];
        var deserialize = typeof(KubernetesYaml).GetMethod(nameof(KubernetesYaml.Deserialize), [typeof(string), typeof(bool)])!
            .MakeGenericMethod(type);
        try
        {
            return deserialize.Invoke(null, [Yaml, true])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    public T As<T>() => (T)Typed();

    public string? Namespace => Json["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>Splits a multi-document YAML stream (kubectl kustomize's output, or any manifest file).</summary>
    public static List<Manifest> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var manifests = new List<Manifest>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root)
                continue;
            var json = (JsonObject)ToJson(root)!;
            var text = SerializeDocument(document);
            manifests.Add(new Manifest(
                json["apiVersion"]?.GetValue<string>() ?? throw new FormatException("a document without apiVersion"),
                json["kind"]?.GetValue<string>() ?? throw new FormatException("a document without kind"),
                json["metadata"]?["name"]?.GetValue<string>() ?? throw new FormatException("a document without metadata.name"),
                text,
                json));
        }
        return manifests;
    }

    private static string Key(string apiVersion, string kind) => $"{apiVersion}/{kind}";

    private static string SerializeDocument(YamlDocument document)
    {
        var single = new YamlStream(document);
        using var writer = new StringWriter();
        single.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>YAML to JSON with YAML 1.2 core-schema scalars: plain true/false/null/numbers typed, quoted scalars strings.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s => PlainScalar(s.Value ?? ""),
        YamlScalarNode s => JsonValue.Create(s.Value ?? ""),
        _ => throw new FormatException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonNode? PlainScalar(string value)
    {
        if (value is "" or "null" or "~") return null;
        if (value is "true") return JsonValue.Create(true);
        if (value is "false") return JsonValue.Create(false);
        if (long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^-?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$")
            && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }
}
