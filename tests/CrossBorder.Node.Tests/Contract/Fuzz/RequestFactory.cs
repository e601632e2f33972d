using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace CrossBorder.Node.Tests.Contract.Fuzz;

/// <summary>One operation of a committed document, as the fuzzer sees it.</summary>
public sealed record FuzzOperation(string Document, string Path, string Method, JsonObject Operation)
{
    public string Id => Operation["operationId"]!.GetValue<string>();

    public IReadOnlyList<string> Scopes => Operation["security"]?.AsArray()
        .SelectMany(r => r!.AsObject().SelectMany(s => s.Value!.AsArray())).Select(s => s!.GetValue<string>()).ToList() ?? [];

    public bool IsWrite => Method == "post" && Id != "Token";

    public IEnumerable<JsonObject> Parameters => Operation["parameters"]?.AsArray().Select(p => p!.AsObject()) ?? [];
}

/// <summary>
/// Draws one request for an operation: mostly valid parameters and bodies from the schemas (seeded by the documented
/// examples), or ones that break one rule; the right token, none, a token without the scope, or a forged one; a path
/// <c>{id}</c> that is the run's live referral most of the time, so handlers get past "not found".
/// </summary>
public static class RequestFactory
{
    private static readonly string[] WrongContentTypes = ["text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data", ""];

    public static FuzzCase Create(FuzzOperation op, SchemaValues v, string node, Func<SchemaValues, string>? signedMessage = null)
    {
        var valid = v.Chance(55);
        var notes = new List<string> { valid ? "valid" : "invalid" };
        var auth = op.Scopes.Count == 0
            ? (v.Chance(90) ? FuzzAuth.Right : FuzzAuth.Garbage)
            : v.Draw(Gen.Frequency((76, Gen.Const(FuzzAuth.Right)), (8, Gen.Const(FuzzAuth.None)), (8, Gen.Const(FuzzAuth.WrongScope)), (8, Gen.Const(FuzzAuth.Garbage))));

        var path = op.Path;
        var query = new List<string>();
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var parameter in op.Parameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            var where = parameter["in"]!.GetValue<string>();
            var schema = parameter["schema"] ?? new JsonObject();
            var required = parameter["required"]?.GetValue<bool>() == true;
            var breakIt = !valid && v.Chance(40);
            string? value;
            if (where == "path" && name == "id" && !breakIt && v.Chance(75))
                value = FuzzCase.ReferralPlaceholder;
            else if (name == "If-Match" && !breakIt && v.Chance(70))
                value = FuzzCase.ETagPlaceholder;
            else if (name == "Idempotency-Key" && !breakIt)
                value = v.Draw(Gen.Guid).ToString();
            else if (breakIt && !required && v.Chance(30))
                value = null; // an optional parameter left out is not a break: try another value kind below
            else if (breakIt && required && where != "path" && v.Chance(30))
            {
                notes.Add($"no {name}");
                continue;
            }
            else if (!required && !breakIt && !v.Chance(50))
                continue;
            else
                value = Text(breakIt ? v.Invalid(schema, parameter["example"]) : v.Valid(schema, parameter["example"]));
            if (where == "path")
                value ??= "null"; // a path parameter is always there
            if (value is null)
                continue;
            if (where == "path" && value.Length == 0)
                value = "%20"; // an empty segment would name another resource (/referrals/ is the list), not this operation
            if (breakIt) notes.Add($"bad {name}");
            switch (where)
            {
                case "path": path = path.Replace($"{{{name}}}", value is FuzzCase.ReferralPlaceholder or "%20" ? value : Encode(value), StringComparison.Ordinal); break;
                case "query": query.Add($"{Encode(name)}={Encode(value)}"); break;
                case "header": headers.Add(new(name, value)); break;
            }
        }
        if (!valid && v.Chance(15))
        {
            // Whatever the operation's own parameters: an unknown query member, text PostgreSQL cannot store, a
            // request target over the node's bound.
            var extra = v.Draw(Gen.Int[0, 3]);
            query.Add(extra switch
            {
                0 => $"unknown{v.Draw(Gen.Int[0, 9])}={Encode(v.Pick(SchemaValues.NastyStrings))}",
                1 => "q=%00",
                2 => "q=%ED%A0%80",
                _ => "q=" + new string('a', 5000),
            });
            notes.Add("extra query");
        }

        string? contentType = null;
        string? body = null;
        if (op.Operation["requestBody"]?["content"]?.AsObject() is { Count: > 0 } content)
        {
            var (mediaType, media) = content.First();
            contentType = mediaType;
            var schema = media!["schema"] ?? new JsonObject();
            // One documented example seeds the body: the only one, or one of the named ones (a decision: accept or refuse).
            var example = media["example"] ?? (media["examples"] is JsonObject named && named.Count > 0
                ? v.Pick([.. named.Select(e => e.Value!["value"])])
                : null);
            var breakBody = !valid && (v.Chance(60) || notes.Count == 1);
            if (breakBody) notes.Add("bad body");
            body = mediaType switch
            {
                "application/x-www-form-urlencoded" => Form(breakBody ? v.Invalid(schema, example) : v.Valid(schema, example)),
                "application/jose" when !breakBody && signedMessage is not null && v.Chance(50) => signedMessage(v),
                "application/jose" => Text(breakBody ? v.Invalid(schema, example) : v.Valid(schema, example)) ?? "",
                _ => Json(breakBody ? v.Invalid(schema, example) : v.Valid(schema, example)),
            };
            if (breakBody && v.Chance(35))
            {
                var raw = v.Draw(Gen.Int[0, 6]);
                body = raw switch
                {
                    0 => body[..(body.Length / 2)],
                    1 => "",
                    2 => "null",
                    3 => new string('[', 5000) + new string(']', 5000),
                    4 => "{\"a\":\"" + new string('x', 3 * 1024 * 1024) + "\"}",
                    5 => "\uFEFF" + body,
                    _ => body + "garbage",
                };
                notes.Add($"raw body {raw}");
            }
            if (breakBody && v.Chance(20))
            {
                contentType = v.Pick(WrongContentTypes);
                notes.Add("wrong content type");
            }
        }
        return new FuzzCase(op.Document, node, op.Id, op.Method.ToUpperInvariant(), path, string.Join('&', query), headers, contentType, body, auth,
            string.Join(", ", notes));
    }

    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => Json(node),
    };

    /// <summary>JSON text; a string holding a lone surrogate (which System.Text.Json will not write) goes as its escape.</summary>
    public static string Json(JsonNode? node)
    {
        const string Marker = "\u0001lone-surrogate\u0001";
        var json = Replace(node?.DeepClone(), Marker)?.ToJsonString() ?? "null";
        return json.Replace("\\u0001lone-surrogate\\u0001", "\\uD800", StringComparison.Ordinal);
    }

    private static JsonNode? Replace(JsonNode? node, string marker)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                    if (Replace(o[key], marker) is var replaced && !ReferenceEquals(replaced, o[key]))
                        o[key] = replaced;
                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (Replace(a[i], marker) is var replaced && !ReferenceEquals(replaced, a[i]))
                        a[i] = replaced;
                return a;
            case JsonValue value when value.TryGetValue<string>(out var text) && !CrossBorder.Core.Text.StorableText.IsStorable(text.Replace("\0", "", StringComparison.Ordinal)):
                return JsonValue.Create(marker);
            default:
                return node;
        }
    }

    private static string Form(JsonNode? node) => node is JsonObject form
        ? string.Join('&', form.Select(p => $"{Encode(p.Key)}={Encode(Text(p.Value) ?? "")}"))
        : Encode(Text(node) ?? "");

    /// <summary>Percent-encodes UTF-8; a lone surrogate goes as the bytes a careless encoder would produce (CESU-8 style).</summary>
    public static string Encode(string text)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogatePair(text, i))
            {
                builder.Append(Uri.EscapeDataString(text.Substring(i, 2)));
                i++;
            }
            else if (char.IsSurrogate(text[i]))
                builder.Append("%ED%A0%80");
            else
                builder.Append(Uri.EscapeDataString(text[i].ToString()));
        }
        return builder.ToString();
    }
}
