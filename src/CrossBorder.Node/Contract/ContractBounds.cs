using CrossBorder.Node.Http;
using System.Globalization;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Referrals;
using Microsoft.OpenApi;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Limits for fields that carry no DataAnnotations (the node writes them), by JSON property or parameter name,
/// and the defaults for anything else unbounded. A new contract field with a real limit belongs here or,
/// better, in a DataAnnotation on its record.
/// </summary>
public static class ContractBounds
{
    public const int DefaultMaxLength = 4000;
    public const int DefaultMaxItems = 1000;

    /// <summary>2^53 - 1, the largest integer every JSON parser reads exactly.</summary>
    public const long MaxSafeInteger = QueryValues.MaxSafeInteger;

    /// <summary>A JWS compact serialization: three base64url parts.</summary>
    public const string JwsPattern = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$";

    /// <summary>Base64 of a message plus header and signature: 4/3 of the body bound, rounded up.</summary>
    public const int JwsMaxLength = ExchangeEndpoints.MaxMessageBytes / 3 * 4 + 4096;

    // Open: the enum names today's values of a field the node writes; new values may be added.
    private sealed record Bound(int? MaxLength = null, string? Pattern = null, string[]? Enum = null, int? MaxItems = null,
        long? Minimum = null, long? Maximum = null, bool Open = false);

    /// <summary>Status-like fields whose values depend on the record that holds them, by <c>Record.property</c>.</summary>
    private static readonly Dictionary<string, Bound> ByMember = new(StringComparer.OrdinalIgnoreCase)
    {
        // A page holds at most its own endpoint's page size (regression, contract fuzzer: every `items` had the
        // referral list's 200, so a feed page of 500 or an audit page of 1000 broke its schema).
        ["ReferralPage.items"] = new(MaxItems: ReferralEndpoints.MaxPageSize),
        ["FeedPage.items"] = new(MaxItems: Feed.FeedEndpoints.MaxPageSize),
        ["AuditEntryPage.items"] = new(MaxItems: AuditEndpoints.MaxPageSize),
        ["FeedEventView.type"] = new(MaxLength: 64, Enum: Values(typeof(FeedEventTypes)), Open: true),
        ["MessageView.type"] = new(MaxLength: 64, Enum: Values(typeof(MessageTypes)), Open: true),
        ["DeliveryView.messageType"] = new(MaxLength: 64, Enum: Values(typeof(MessageTypes)), Open: true),
        ["AuditEntryView.messageType"] = new(MaxLength: 64, Enum: Values(typeof(MessageTypes)), Open: true),
        ["MessageView.state"] = new(MaxLength: 16, Enum: Values(typeof(MessageStates)), Open: true),
        ["DeliveryView.state"] = new(MaxLength: 16, Enum: ["queued", "retrying", "delivered", "dead_letter"], Open: true),
        ["StepView.outcome"] = new(MaxLength: 16, Enum: Enum.GetNames<DecisionOutcome>(), Open: true),
    };

    public const string OpenEnumNote = " New values may be added: treat an unknown value as an unknown state, not as an error.";

    private static string[] Values(Type constants) =>
        [.. constants.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];

    private static readonly Dictionary<string, Bound> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["reference"] = new(MaxLength: 64),
        ["counterpartReference"] = new(MaxLength: 64),
        ["direction"] = new(MaxLength: 8, Enum: ["outgoing", "incoming"]),
        ["status"] = new(MaxLength: 40, Enum: [.. ReferralStatus.All], Open: true),
        ["fromStatus"] = new(MaxLength: 40, Enum: [.. ReferralStatus.All], Open: true),
        ["toStatus"] = new(MaxLength: 40, Enum: [.. ReferralStatus.All], Open: true),
        ["client"] = new(MaxLength: AuditEndpoints.MaxClientLength),
        ["kind"] = new(MaxLength: 64, Enum: [.. AuditKinds.All], Open: true),
        ["legalBasis"] = new(MaxLength: 40, Pattern: "^[A-Z0-9_]{1,40}$"),
        ["requestingState"] = new(MaxLength: 2, Pattern: "^[A-Z]{2}$"),
        ["requestedState"] = new(MaxLength: 2, Pattern: "^[A-Z]{2}$"),
        ["from"] = new(MaxLength: 2, Pattern: "^[A-Z]{2}$"),
        ["to"] = new(MaxLength: 2, Pattern: "^[A-Z]{2}$"),
        ["eTag"] = new(MaxLength: 64),
        ["type"] = new(MaxLength: 64, Pattern: "^[a-z][a-z0-9.-]{0,63}$"),
        ["messageType"] = new(MaxLength: 64, Pattern: "^[a-z][a-z0-9.-]{0,63}$"),
        ["state"] = new(MaxLength: 16, Pattern: "^[a-z_]{1,16}$"),
        ["lastError"] = new(MaxLength: 2000),
        ["digest"] = new(MaxLength: 43, Pattern: "^[A-Za-z0-9_-]{43}$"),
        ["jws"] = new(MaxLength: JwsMaxLength, Pattern: JwsPattern),
        ["receipt"] = new(MaxLength: JwsMaxLength, Pattern: JwsPattern),
        ["nextCursor"] = new(MaxLength: 32),
        ["kty"] = new(MaxLength: 8),
        ["crv"] = new(MaxLength: 16),
        ["x"] = new(MaxLength: 128, Pattern: "^[A-Za-z0-9_-]+$"),
        ["y"] = new(MaxLength: 128, Pattern: "^[A-Za-z0-9_-]+$"),
        ["kid"] = new(MaxLength: 64),
        ["alg"] = new(MaxLength: 16),
        ["use"] = new(MaxLength: 8),
        ["items"] = new(MaxItems: ReferralEndpoints.MaxPageSize),
        ["keys"] = new(MaxItems: 100),
        ["limit"] = new(Minimum: 1, Maximum: ReferralEndpoints.MaxPageSize),
        ["seq"] = new(Minimum: 1, Maximum: int.MaxValue),
        ["attempts"] = new(Minimum: 0, Maximum: int.MaxValue),
    };

    public static void Apply(OpenApiSchema schema, string? name, string? record = null)
    {
        var bound = name is not null && record is not null && ByMember.TryGetValue($"{record}.{name}", out var member) ? member
            : name is not null && ByName.TryGetValue(name, out var found) ? found : new Bound();
        var type = schema.Type ?? 0;
        if (type.HasFlag(JsonSchemaType.String) && schema.Format is { } format && schema.MaxLength is null)
            schema.MaxLength = format switch
            {
                "date" => 10,
                "uuid" => 36,
                "date-time" => 40, // RFC 3339 with fractional seconds and offset
                _ => bound.MaxLength ?? DefaultMaxLength,
            };
        if (type.HasFlag(JsonSchemaType.String) && schema.Format is null && schema.Enum is not { Count: > 0 })
        {
            schema.MaxLength ??= bound.MaxLength ?? DefaultMaxLength;
            schema.Pattern ??= bound.Pattern;
            if (bound.Enum is { } values)
            {
                schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
                if (type.HasFlag(JsonSchemaType.Null))
                    schema.Enum.Add(null!);
                schema.Pattern = null;
                if (bound.Open)
                    schema.Description = ((schema.Description ?? "").TrimEnd() + OpenEnumNote).TrimStart();
            }
        }
        if (type.HasFlag(JsonSchemaType.Array))
            schema.MaxItems ??= bound.MaxItems ?? DefaultMaxItems;
        if (type.HasFlag(JsonSchemaType.Integer))
        {
            // The contract's 64-bit integers are log and feed positions and sizes: never negative, and kept within
            // 2^53 - 1 so every JSON parser reads them exactly.
            var int64 = schema.Format == "int64";
            schema.Format ??= "int32";
            schema.Minimum ??= (bound.Minimum ?? (int64 ? 0 : int.MinValue)).ToString(CultureInfo.InvariantCulture);
            schema.Maximum ??= (bound.Maximum ?? (int64 ? MaxSafeInteger : int.MaxValue)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Bounds for schemas made outside the schema generator (inline bodies and the token operation).</summary>
    public static void ApplyDeep(IOpenApiSchema? model, string? name = null)
    {
        if (model is not OpenApiSchema schema)
            return;
        Apply(schema, name);
        ApplyDeep(schema.Items);
        foreach (var (property, child) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            ApplyDeep(child, property);
    }
}
