using CrossBorder.Core.Crypto;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Configuration;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Keys;

/// <summary>The node's key material, loaded once from validated options.</summary>
public sealed class NodeKeys : IDisposable
{
    public NodeKeys(IOptions<NodeOptions> options)
    {
        var o = options.Value;
        var pem = o.SigningKey.PrivateKeyPem ?? File.ReadAllText(o.SigningKey.PrivateKeyPath!);
        Signing = SigningKey.FromPem(o.SigningKey.Kid, pem);

        var published = new List<JsonWebKey> { Signing.PublicJwk() };
        // The next key is published before it signs anything, so the peer can pin it ahead of the switch.
        if (o.NextSigningKey is { } next)
        {
            using var nextKey = SigningKey.FromPem(next.Kid, next.PrivateKeyPem ?? File.ReadAllText(next.PrivateKeyPath!));
            published.Add(nextKey.PublicJwk());
        }
        if (o.RetiredKeysJwksPath is { } retired)
            published.AddRange(JsonWebKeySet.Parse(File.ReadAllText(retired)).Keys.Where(k => k.Kid != Signing.Kid));
        Published = new JsonWebKeySet(published);
        OwnKeys = new KeyRing(published);

        Peers = o.Peers.ToDictionary(p => p.Country, p =>
            new KeyRing(JsonWebKeySet.Parse(p.Jwks ?? File.ReadAllText(p.JwksPath!)).Keys));
        PeerJwks = o.Peers.ToDictionary(p => p.Country, p => p.Jwks ?? File.ReadAllText(p.JwksPath!));
        Cipher = new PersonalDataCipher(o.KeyEncryptionKeyRing(), o.CurrentKeyEncryptionKey);
    }

    public SigningKey Signing { get; }

    /// <summary>Current and retired public keys: what <c>GET /exchange/v1/keys</c> serves.</summary>
    public JsonWebKeySet Published { get; }

    /// <summary>This node's own public keys, to verify what it signed itself.</summary>
    public KeyRing OwnKeys { get; }

    /// <summary>Each peer's pinned public keys by country.</summary>
    public IReadOnlyDictionary<string, KeyRing> Peers { get; }

    public IReadOnlyDictionary<string, string> PeerJwks { get; }

    public PersonalDataCipher Cipher { get; }

    public void Dispose() => Signing.Dispose();
}
