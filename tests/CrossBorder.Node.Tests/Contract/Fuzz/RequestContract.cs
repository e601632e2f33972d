using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrossBorder.Node.Tests.Contract.Fuzz;

/// <summary>
/// Whether a generated request keeps the operation's declared input schemas (parameters, content type, body), read back
/// from the bytes as sent: the fuzzer's "invalid" cases are not all invalid (a nasty string may still be a valid string),
/// and a request the schemas refuse must never be answered with a 2xx (negative data is rejected).
/// </summary>
public static class RequestContract
{
    /// <summary>The first rule of the declared schemas that the request breaks, or null when it keeps them all.</summary>
    /// <param name="pathOnly">Only the path parameters: whether the request names an existing route of the operation.</param>
    public static string? Violation(FuzzCase fuzzCase, FuzzOperation op, ResponseContract schemas, bool pathOnly = false)
    {
        var pathValues = PathValues(op.Path, fuzzCase.Path);
        var query = fuzzCase.Query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).GroupBy(p => Decode(p[0])).ToDictionary(g => g.Key, g => g.Select(p => Decode(p.ElementAtOrDefault(1) ?? "")).ToList());
        var parameters = op.Operation["parameters"]?.AsArray() ?? [];
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i]!;
            var name = parameter["name"]!.GetValue<string>();
            var required = parameter["required"]?.GetValue<bool>() == true;
            if (pathOnly && parameter["in"]!.GetValue<string>() != "path")
                continue;
            IReadOnlyList<string>? values = parameter["in"]!.GetValue<string>() switch
            {
                "path" => pathValues.TryGetValue(name, out var p) ? [p] : null,
                "query" => query.TryGetValue(name, out var q) ? q : null,
                "header" => fuzzCase.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList() is { Count: > 0 } h ? h : null,
                _ => null,
            };
            if (values is null)
            {
                if (required) return $"required parameter {name} is missing";
                continue;
            }
            if (values.Count > 1) return $"parameter {name} is repeated";
            var value = values[0];
            if (value is FuzzCase.ReferralPlaceholder or FuzzCase.ETagPlaceholder)
                continue;
            var schemaNode = parameter["schema"] ?? new JsonObject();
            if (Typed(value, SchemaValues.Types(schemas.Resolve(schemaNode).AsObject())) is not { } instance)
                return $"parameter {name} is not of its type";
            var pointer = $"/paths/{ResponseContract.Escape(op.Path)}/{op.Method}/parameters/{i}/schema";
            if (schemas.Validate(pointer, instance).FirstOrDefault() is { } error)
                return $"parameter {name}: {error}";
        }

        if (pathOnly || op.Operation["requestBody"] is not JsonObject body)
            return null;
        var content = body["content"]!.AsObject();
        var mediaType = fuzzCase.ContentType?.Split(';')[0].Trim();
        if (fuzzCase.Body is null or "")
            return body["required"]?.GetValue<bool>() == true ? "the required body is missing" : null;
        // Parameters of the media type do not change it (RFC 8259 §11: a charset on application/json has no effect).
        if (mediaType is null || !content.ContainsKey(mediaType))
            return $"content type '{fuzzCase.ContentType}' is not declared";
        JsonElement element;
        try
        {
            element = mediaType switch
            {
                "application/json" => JsonDocument.Parse(fuzzCase.Body).RootElement.Clone(),
                "application/x-www-form-urlencoded" => JsonSerializer.SerializeToElement(fuzzCase.Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => p.Split('=', 2)).GroupBy(p => Decode(p[0])).ToDictionary(g => g.Key, g => Decode(g.First().ElementAtOrDefault(1) ?? ""))),
                _ => JsonSerializer.SerializeToElement(fuzzCase.Body),
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
        {
            return "the body does not parse as its media type";
        }
        if (fuzzCase.Body.StartsWith('\uFEFF'))
            return "the body starts with a byte order mark";
        return schemas.Validate($"/paths/{ResponseContract.Escape(op.Path)}/{op.Method}/requestBody/content/{ResponseContract.Escape(mediaType)}/schema", element)
            .FirstOrDefault() is { } violation ? $"body: {violation}" : null;
    }

    private static Dictionary<string, string> PathValues(string template, string path)
    {
        var names = template.Split('/');
        var values = path.Split('/');
        var result = new Dictionary<string, string>();
        if (names.Length != values.Length)
            return result;
        for (var i = 0; i < names.Length; i++)
            if (names[i].StartsWith('{'))
                result[names[i].Trim('{', '}')] = values[i] == FuzzCase.ReferralPlaceholder ? values[i] : Decode(values[i]);
        return result;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    /// <summary>A parameter's text as the JSON value its schema types describe; null when it is none of them.</summary>
    private static JsonElement? Typed(string value, IReadOnlyList<string> types)
    {
        if (types.Contains("integer") && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonSerializer.SerializeToElement(integer);
        if (types.Contains("number") && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return JsonSerializer.SerializeToElement(number);
        if (types.Contains("boolean") && value is "true" or "false")
            return JsonSerializer.SerializeToElement(value == "true");
        if (types.Count == 0 || types.Contains("string"))
            return JsonSerializer.SerializeToElement(value);
        return null;
    }
}
