using System.Security.Cryptography;

namespace CrossBorder.Core.Signing;

/// <summary>Finds a trusted public key by its <c>kid</c>.</summary>
public interface IKeyResolver
{
    ECDsa? Find(string kid);
}

/// <summary>A fixed set of trusted public keys (a pinned JWKS).</summary>
public sealed class KeyRing : IKeyResolver
{
    private readonly Dictionary<string, ECDsa> _keys;

    public KeyRing(IEnumerable<JsonWebKey> keys) =>
        _keys = keys.ToDictionary(k => k.Kid, k => k.ToECDsa(), StringComparer.Ordinal);

    public IReadOnlyCollection<string> Kids => _keys.Keys;

    public ECDsa? Find(string kid) => _keys.GetValueOrDefault(kid);
}
