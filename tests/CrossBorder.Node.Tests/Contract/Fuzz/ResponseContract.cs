using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace CrossBorder.Node.Tests.Contract.Fuzz;

/// <summary>
/// What a committed document promises about an answer, checked with JsonSchema.Net against the document itself (each
/// schema is referenced by its JSON pointer inside the registered document, so <c>$ref</c>s resolve as a client's would):
/// no 5xx, a declared status, a declared media type, a body and headers that match their schemas, problem documents for 4xx.
/// </summary>
public sealed class ResponseContract
{
    private readonly JsonNode _document;
    private readonly Uri _base;
    private readonly BuildOptions _build;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public ResponseContract(string file, JsonNode document)
    {
        _document = document;
        _base = new Uri($"https://crossborder.test/{file}");
        var registry = new SchemaRegistry();
        registry.Register(_base, new JsonElementBaseDocument(JsonDocument.Parse(document.ToJsonString()).RootElement.Clone(), _base));
        _build = new BuildOptions { SchemaRegistry = registry };
    }

    public static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>Every violation of the contract by one answer; empty when it keeps it.</summary>
    public IReadOnlyList<string> Check(string path, string method, int status, string? mediaType, string body,
        IReadOnlyDictionary<string, string> headers)
    {
        var problems = new List<string>();
        if (status >= 500)
            problems.Add($"a {status} answer (never a 5xx from input)");
        var operationPointer = $"/paths/{Escape(path)}/{method.ToLowerInvariant()}";
        var responses = _document["paths"]![path]![method.ToLowerInvariant()]!["responses"]!.AsObject();
        var key = status.ToString(CultureInfo.InvariantCulture);
        var declared = responses.ContainsKey(key) ? key : responses.ContainsKey($"{key[0]}XX") ? $"{key[0]}XX" : responses.ContainsKey("default") ? "default" : null;
        if (declared is null)
        {
            problems.Add($"status {status} is not declared (declared: {string.Join(", ", responses.Select(r => r.Key))})");
            return problems;
        }
        var response = Resolve(responses[declared]!).AsObject();
        var responsePointer = responses[declared]!["$ref"] is JsonValue r ? r.GetValue<string>()[1..] : $"{operationPointer}/responses/{Escape(declared)}";

        var content = response["content"]?.AsObject();
        if (content is null || content.Count == 0)
        {
            if (body.Length > 0)
                problems.Add($"{status} declares no body but one came ({mediaType})");
        }
        else if (mediaType is null || !content.ContainsKey(mediaType))
        {
            problems.Add($"{status} came as '{mediaType ?? "no content type"}' with {body.Length} characters; declared: {string.Join(", ", content.Select(c => c.Key))}");
        }
        else if (content[mediaType]?["schema"] is not null)
        {
            var schemaPointer = $"{responsePointer}/content/{Escape(mediaType)}/schema";
            var instance = Instance(mediaType, body, problems);
            if (instance is { } element)
                problems.AddRange(Validate(schemaPointer, element).Select(e => $"{status} {mediaType} body: {e}"));
        }
        if (status is >= 400 and < 500 && mediaType != "application/problem+json" && !(content?.ContainsKey(mediaType ?? "") ?? false))
            problems.Add($"a {status} that is not a problem document ({mediaType ?? "no content type"})");

        foreach (var (name, header) in response["headers"]?.AsObject() ?? [])
        {
            var resolved = Resolve(header!).AsObject();
            var present = headers.TryGetValue(name, out var value);
            if (!present)
            {
                if (resolved["required"]?.GetValue<bool>() == true)
                    problems.Add($"{status}: required header {name} is missing");
                continue;
            }
            var schemaPointer = header!["$ref"] is JsonValue hr ? hr.GetValue<string>()[1..] + "/schema" : $"{responsePointer}/headers/{Escape(name)}/schema";
            var types = resolved["schema"] is { } s ? SchemaValues.Types(Resolve(s).AsObject()) : [];
            JsonElement element;
            if (types.Contains("integer") || types.Contains("number"))
            {
                if (!decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    problems.Add($"{status}: header {name} is not a number");
                    continue;
                }
                element = JsonSerializer.SerializeToElement(number);
            }
            else
            {
                element = JsonSerializer.SerializeToElement(value);
            }
            problems.AddRange(Validate(schemaPointer, element).Select(e => $"{status}: header {name}: {e}"));
        }
        return problems;
    }

    public JsonNode Resolve(JsonNode node)
    {
        for (var hops = 0; node["$ref"] is JsonValue reference && hops < 20; hops++)
            node = reference.GetValue<string>()[2..].Split('/')
                .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
                .Aggregate(_document, (n, k) => n[k]!);
        return node;
    }

    private static JsonElement? Instance(string mediaType, string body, List<string> problems)
    {
        if (mediaType.EndsWith("json", StringComparison.Ordinal))
        {
            try
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (JsonException)
            {
                problems.Add($"the {mediaType} body is not JSON");
                return null;
            }
        }
        return JsonSerializer.SerializeToElement(body); // application/jose, text/csv: one string
    }

    public IEnumerable<string> Validate(string pointer, JsonElement instance)
    {
        var schema = _schemas.GetOrAdd(pointer, p => JsonSchema.FromText(
            JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = $"{_base}#{EncodePointer(p)}" }), _build));
        var result = schema.Evaluate(instance, Evaluation);
        if (result.IsValid)
            yield break;
        foreach (var detail in result.Details ?? [])
            if (detail.Errors is { Count: > 0 } errors)
                yield return $"{detail.InstanceLocation}: {string.Join("; ", errors.Values)} (schema {detail.SchemaLocation.Fragment})";
    }

    /// <summary>A JSON pointer as a URI fragment: the characters a URI cannot hold percent-encoded.</summary>
    private static string EncodePointer(string pointer) => string.Concat(pointer.Select(c =>
        char.IsAsciiLetterOrDigit(c) || "/~-._!$&'()*,;=:@".Contains(c) ? c.ToString() : Uri.EscapeDataString(c.ToString())));
}
