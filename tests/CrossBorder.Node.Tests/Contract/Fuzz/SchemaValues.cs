using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;

namespace CrossBorder.Node.Tests.Contract.Fuzz;

/// <summary>
/// Values drawn from an OpenAPI 3.1 schema (JSON Schema 2020-12) with CsCheck generators over one PCG stream, so a
/// (seed, case) pair always draws the same values. Valid values follow the schema (references, enums, formats, bounds,
/// patterns, required members); the operation's own example, where there is one, seeds them so deep rules that a
/// schema cannot state (a date before another) are met often. Invalid values break exactly one rule somewhere.
/// </summary>
public sealed class SchemaValues(JsonNode document, PCG pcg)
{
    private const int MaxDepth = 12;

    public T Draw<T>(Gen<T> gen) => gen.Generate(pcg, null!, out _);

    public bool Chance(int percent) => Draw(Gen.Int[0, 99]) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Draw(Gen.Int[0, items.Count - 1])];

    /// <summary>Follows <c>$ref</c> (within the document) and folds <c>allOf</c> into one schema object.</summary>
    public JsonObject Resolve(JsonNode schema)
    {
        var current = schema.AsObject();
        for (var hops = 0; current["$ref"] is JsonValue reference && hops < 20; hops++)
            current = Pointer(reference.GetValue<string>()).AsObject();
        if (current["allOf"] is JsonArray all)
        {
            var merged = new JsonObject();
            foreach (var part in all.Select(p => Resolve(p!)).Append(current))
                foreach (var (key, value) in part)
                    if (key != "allOf" && value is not null)
                        merged[key] = key == "properties" && merged[key] is JsonObject existing
                            ? Merge(existing, value.AsObject())
                            : value.DeepClone();
            return merged;
        }
        return current;
    }

    private static JsonObject Merge(JsonObject a, JsonObject b)
    {
        var merged = a.DeepClone().AsObject();
        foreach (var (key, value) in b)
            merged[key] = value?.DeepClone();
        return merged;
    }

    private JsonNode Pointer(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
            throw new NotSupportedException($"Only local references: {reference}");
        return reference[2..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            .Aggregate(document, (node, key) => node[key] ?? throw new KeyNotFoundException(reference));
    }

    public static IReadOnlyList<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => schema["properties"] is not null ? ["object"] : schema["items"] is not null ? ["array"] : [],
    };

    /// <summary>A value the schema accepts; <paramref name="example"/> (the same place in a documented example) is reused often.</summary>
    public JsonNode? Valid(JsonNode schemaNode, JsonNode? example = null, int depth = 0)
    {
        var schema = Resolve(schemaNode);
        if (example is not null && Chance(depth == 0 ? 15 : 40))
            return example.DeepClone();
        if (schema["const"] is { } constant)
            return constant.DeepClone();
        if (schema["enum"] is JsonArray values && values.Count > 0)
            return Pick([.. values])?.DeepClone();
        if (schema["oneOf"] is JsonArray one || schema["anyOf"] is JsonArray any && (one = any) is not null)
            return Valid(Pick([.. one.Select(o => o!)]), example, depth + 1);
        var types = Types(schema);
        if (types.Contains("null") && (types.Count == 1 || Chance(15) || depth > MaxDepth))
            return null;
        var type = Pick([.. types.Where(t => t != "null").DefaultIfEmpty("string")]);
        return type switch
        {
            "object" => ValidObject(schema, example as JsonObject, depth),
            "array" => ValidArray(schema, example as JsonArray, depth),
            "integer" => JsonValue.Create(Draw(Gen.Long[Bound(schema, "minimum", -1000), Bound(schema, "maximum", 1_000_000)])),
            "number" => JsonValue.Create(Draw(Gen.Double[Bound(schema, "minimum", -1000), Bound(schema, "maximum", 1_000_000)])),
            "boolean" => JsonValue.Create(Draw(Gen.Bool)),
            _ => JsonValue.Create(ValidString(schema, example)),
        };
    }

    private static long Bound(JsonObject schema, string name, long otherwise) =>
        schema[name] is JsonValue v ? (long)Math.Clamp(double.Parse(v.ToJsonString().Trim('"'), CultureInfo.InvariantCulture), -1e15, 1e15) : otherwise;

    private JsonObject ValidObject(JsonObject schema, JsonObject? example, int depth)
    {
        var result = new JsonObject();
        var required = schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            if (property is null || (!required.Contains(name) && (depth > MaxDepth || !Chance(example?.ContainsKey(name) == true ? 80 : 50))))
                continue;
            result[name] = Valid(property, example?[name], depth + 1);
        }
        return result;
    }

    private JsonArray ValidArray(JsonObject schema, JsonArray? example, int depth)
    {
        var min = (int)Bound(schema, "minItems", 0);
        var max = (int)Math.Min(Bound(schema, "maxItems", 5), min + 3);
        var count = depth > MaxDepth ? min : Draw(Gen.Int[min, Math.Max(min, max)]);
        var items = schema["items"] ?? new JsonObject();
        var result = new JsonArray();
        for (var i = 0; i < count; i++)
            result.Add(Valid(items, example is { Count: > 0 } ? example[i % example.Count] : null, depth + 1));
        return result;
    }

    private static readonly Gen<char> Printable = Gen.Char['!', '~'];
    private static readonly Gen<char> Text = Gen.OneOf(Gen.Char['a', 'z'], Gen.Char['A', 'Z'], Gen.Char['0', '9'], Gen.Const(' '), Gen.Const('é'), Gen.Const('-'));

    private string ValidString(JsonObject schema, JsonNode? example)
    {
        var format = schema["format"]?.GetValue<string>();
        var min = (int)Bound(schema, "minLength", 0);
        var max = (int)Math.Min(Bound(schema, "maxLength", 40), Math.Max(min, 40));
        var pattern = schema["pattern"]?.GetValue<string>();
        string Candidate() => format switch
        {
            "uuid" => Draw(Gen.Guid).ToString(),
            "date-time" => DateTimeOffset.UtcNow.AddSeconds(Draw(Gen.Int[-60_000_000, 60_000_000])).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            "date" => DateOnly.FromDateTime(DateTime.UtcNow.AddDays(Draw(Gen.Int[-7000, 700]))).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "uri" => "https://example.org/" + Draw(Gen.String[Gen.Char['a', 'z'], 1, 10]),
            "uri-reference" => "/" + Draw(Gen.String[Gen.Char['a', 'z'], 1, 10]),
            "email" => Draw(Gen.String[Gen.Char['a', 'z'], 1, 10]) + "@example.org",
            _ => Draw(Gen.String[pattern is null ? Text : Printable, Math.Max(min, 0), Math.Max(min, max)]),
        };
        if (pattern is null)
            return Candidate();
        var regex = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        for (var attempt = 0; attempt < 8; attempt++)
            if (Candidate() is var candidate && regex.IsMatch(candidate))
                return candidate;
        // A pattern random text rarely meets (a JWS, a reference number): the documented example meets it.
        return example is JsonValue value && value.TryGetValue<string>(out var text) ? text : Candidate();
    }

    /// <summary>Strings no schema of this API accepts somewhere, or that probe a parser: the usual suspects.</summary>
    public static readonly IReadOnlyList<string> NastyStrings =
    [
        "", " ", "\0", "a\0b", "\uD800", "\uDC00x", "-1", "0", "-0", "1e309", "99999999999999999999", "NaN", "true", "null",
        "2026-02-30", "2026-01-01T00:00:00+02:00", "2026-01-01T00:00:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
        "00000000-0000-0000-0000-000000000000", "' OR '1'='1", "../../etc/passwd", "%00", "%", "<script>", "${jndi:x}",
        "𝕏", "\u202Etxt", "a,b", "\"v1\"", "W/\"x\"", "*", "eyJhbGciOiJub25lIn0.e30.", "AAAA", new string('a', 300),
    ];

    /// <summary>A value that breaks the schema at one place (or a value of the wrong kind altogether).</summary>
    public JsonNode? Invalid(JsonNode schemaNode, JsonNode? example = null, int depth = 0)
    {
        var schema = Resolve(schemaNode);
        var types = Types(schema);
        var valid = Valid(schemaNode, example, depth);
        if (valid is JsonObject obj && obj.Count > 0 && depth < MaxDepth && Chance(60))
        {
            var properties = schema["properties"]?.AsObject();
            var name = Pick([.. obj.Select(p => p.Key)]);
            if (properties?[name] is { } inner && Chance(75))
                obj[name] = Invalid(inner, example?[name], depth + 1);
            else if (Chance(50))
                obj.Remove(name);
            else
                obj["unexpected" + Draw(Gen.Int[0, 9])] = Draw(Gen.Int[0, 9]);
            return obj;
        }
        if (valid is JsonArray array && depth < MaxDepth && Chance(60))
        {
            if (array.Count > 0 && schema["items"] is { } items && Chance(70))
                array[Draw(Gen.Int[0, array.Count - 1])] = Invalid(items, null, depth + 1);
            else
                for (var i = 0; i < (int)Bound(schema, "maxItems", 50) + 1 - array.Count && i < 2000; i++)
                    array.Add(array.Count > 0 ? array[0]?.DeepClone() : JsonValue.Create(i));
            return array;
        }
        return Draw(Gen.Int[0, 7]) switch
        {
            0 when types.Contains("string") && schema["maxLength"] is JsonValue maxLength =>
                JsonValue.Create(new string('x', (int)Math.Min(maxLength.GetValue<long>() + 1, 100_000))),
            1 when types.Contains("integer") || types.Contains("number") =>
                JsonValue.Create(Chance(50) ? Bound(schema, "maximum", long.MaxValue - 1) + 1 : Bound(schema, "minimum", long.MinValue + 1) - 1),
            2 => JsonValue.Create(Pick(NastyStrings)),
            3 => types.Contains("object") ? new JsonArray() : new JsonObject(),
            4 => types.Contains("string") ? JsonValue.Create(Draw(Gen.Int)) : JsonValue.Create(Draw(Gen.String)),
            5 => JsonValue.Create(1.5),
            6 => types.Contains("null") ? JsonValue.Create(false) : null,
            _ => JsonValue.Create(Pick(NastyStrings)),
        };
    }
}
