using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CrossBorder.Core.Signing;

/// <summary>
/// JWS compact serialization (RFC 7515 §7.1) with ES256 only. The payload bytes are signed as the
/// sender wrote them and the compact string is stored verbatim, so verification never depends on
/// how anyone re-serializes JSON.
/// </summary>
public static class Jws
{
    public const string Algorithm = "ES256";
    public const int MaxCompactLength = 4 * 1024 * 1024;

    public static string Sign(ReadOnlySpan<byte> payload, SigningKey key, string type)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new JwsHeader(Algorithm, key.Kid, type), JwsJson.Default.JwsHeader);
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        // RFC 7518 §3.4: ECDSA signatures are the fixed-width R || S concatenation, not DER.
        var signature = key.Algorithm.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Parses and verifies; the key is chosen by the header's <c>kid</c> among <paramref name="trustedKeys"/>.</summary>
    public static JwsVerification Verify(string compact, string expectedType, IKeyResolver trustedKeys)
    {
        if (compact.Length > MaxCompactLength)
            return JwsVerification.Fail(JwsFailure.Malformed, "The JWS is too large.");
        var parts = compact.Split('.');
        if (parts.Length != 3)
            return JwsVerification.Fail(JwsFailure.Malformed, "A JWS compact serialization has three dot-separated parts.");

        JwsHeader? header;
        byte[] payload, signature;
        try
        {
            header = ReadHeader(Base64Url.DecodeFromChars(parts[0]), out var headerError);
            if (header is null)
                return JwsVerification.Fail(JwsFailure.Malformed, headerError!);
            payload = Base64Url.DecodeFromChars(parts[1]);
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The JWS is not valid base64url-encoded JSON.");
        }

        if (header is null || header.Alg != Algorithm)
            return JwsVerification.Fail(JwsFailure.Malformed, "Only ES256 signatures are accepted.");
        if (header.Typ != expectedType)
            return JwsVerification.Fail(JwsFailure.WrongType, $"Expected a JWS of type '{expectedType}'.");
        if (string.IsNullOrEmpty(header.Kid) || trustedKeys.Find(header.Kid) is not { } key)
            return JwsVerification.Fail(JwsFailure.UnknownKey, "The signing key is not trusted.");

        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var valid = signature.Length == 64 && key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return valid
            ? new JwsVerification(true, null, null, header, payload)
            : JwsVerification.Fail(JwsFailure.BadSignature, "The signature does not verify.");
    }

    /// <summary>
    /// The protected header holds exactly the members the wire format names: <c>alg</c>, <c>kid</c> and <c>typ</c>, each
    /// once, each a string. Anything else is refused, <c>crit</c> first of all (RFC 7515 §4.1.11: a recipient must refuse
    /// a JWS whose critical extensions it does not understand, and this node understands none), so no header member can
    /// change what a signature means without this code knowing it.
    /// </summary>
    private static JwsHeader? ReadHeader(byte[] json, out string? error)
    {
        using var document = JsonDocument.Parse(json);
        error = "The JWS header must be an object with exactly the members alg, kid and typ.";
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            return null;
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in document.RootElement.EnumerateObject())
        {
            if (member.Name == "crit")
            {
                error = "The JWS header names critical extensions (crit); this node supports none.";
                return null;
            }
            if (member.Name is not ("alg" or "kid" or "typ") || member.Value.ValueKind != JsonValueKind.String
                || !members.TryAdd(member.Name, member.Value.GetString()!))
                return null;
        }
        return members.Count == 3 ? new JwsHeader(members["alg"], members["kid"], members["typ"]) : null;
    }

    /// <summary>SHA-256 over the exact JWS bytes, base64url: the digest receipts and the audit log carry.</summary>
    public static string Digest(string compact) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(compact)));

    /// <summary>Reads the payload without verifying: only for display of already verified, stored messages.</summary>
    public static byte[] UnverifiedPayload(string compact) => Base64Url.DecodeFromChars(compact.Split('.')[1]);
}

public sealed record JwsHeader(
    [property: System.Text.Json.Serialization.JsonPropertyName("alg")] string Alg,
    [property: System.Text.Json.Serialization.JsonPropertyName("kid")] string Kid,
    [property: System.Text.Json.Serialization.JsonPropertyName("typ")] string Typ);

public enum JwsFailure { Malformed, WrongType, UnknownKey, BadSignature }

public sealed record JwsVerification(bool IsValid, JwsFailure? Failure, string? Error, JwsHeader? Header, byte[]? Payload)
{
    public static JwsVerification Fail(JwsFailure failure, string error) => new(false, failure, error, null, null);
}
