using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>The one set of JSON options for reading and writing referral records.</summary>
public static class ReferralJson
{
    /// <summary>
    /// Web defaults (camelCase, ISO 8601 dates) made strict: unknown or duplicate properties,
    /// numbers in strings, a missing <c>required</c> property and <c>null</c> for a non-nullable
    /// property all fail deserialization with a <see cref="JsonException"/> whose <c>Path</c> names
    /// the field. Property names are case-sensitive: the wire contract has one spelling.
    /// Read-only: callers cannot change them by accident.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Reads a referral document; throws <see cref="JsonException"/> on any shape error.</summary>
    public static ReferralDocument? Deserialize(string json) =>
        JsonSerializer.Deserialize<ReferralDocument>(json, Options);

    /// <summary>Writes a referral document with the contract's field names.</summary>
    public static string Serialize(ReferralDocument document) =>
        JsonSerializer.Serialize(document, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNameCaseInsensitive = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
