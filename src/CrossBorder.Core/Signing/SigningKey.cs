using System.Security.Cryptography;

namespace CrossBorder.Core.Signing;

/// <summary>A node's own ECDSA P-256 private key with its key id.</summary>
public sealed class SigningKey(string kid, ECDsa algorithm) : IDisposable
{
    public string Kid { get; } = kid;
    public ECDsa Algorithm { get; } = algorithm;

    public static SigningKey FromPem(string kid, string pem)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        if (ecdsa.KeySize != 256)
            throw new CryptographicException("The signing key must be an ECDSA P-256 key.");
        return new SigningKey(kid, ecdsa);
    }

    public static SigningKey Generate(string kid) => new(kid, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public JsonWebKey PublicJwk() => JsonWebKey.FromPublicKey(Kid, Algorithm);

    public void Dispose() => Algorithm.Dispose();
}
