using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Signing;

/// <summary>An EC P-256 public JWK (RFC 7517, RFC 7518 §6.2).</summary>
public sealed record JsonWebKey(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("alg")] string? Alg = "ES256",
    [property: JsonPropertyName("use")] string? Use = "sig")
{
    public static JsonWebKey FromPublicKey(string kid, ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        return new JsonWebKey("EC", "P-256", Base64Url.EncodeToString(p.Q.X), Base64Url.EncodeToString(p.Q.Y), kid);
    }

    public ECDsa ToECDsa()
    {
        if (Kty != "EC" || Crv != "P-256")
            throw new CryptographicException($"Key '{Kid}' is not an EC P-256 key.");
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars(X), Y = Base64Url.DecodeFromChars(Y) },
        });
    }
}

public sealed record JsonWebKeySet([property: JsonPropertyName("keys")] IReadOnlyList<JsonWebKey> Keys)
{
    public static JsonWebKeySet Parse(string json) =>
        JsonSerializer.Deserialize(json, JwsJson.Default.JsonWebKeySet)
        ?? throw new JsonException("The JWKS document is empty.");

    public string ToJson() => JsonSerializer.Serialize(this, JwsJson.Default.JsonWebKeySet);
}
