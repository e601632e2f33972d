using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Configuration;

/// <summary>One country's node: who it is, its keys, its peers and its ministry clients.</summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    /// <summary>ISO 3166-1 alpha-2 code of the country this node serves (e.g. <c>FR</c>).</summary>
    [Required, RegularExpression("^[A-Z]{2}$")]
    public string Country { get; set; } = "";

    /// <summary>The URL peers and clients reach this node at; also the token issuer.</summary>
    [Required]
    public Uri? PublicUrl { get; set; }

    /// <summary>The node's own ECDSA P-256 signing key (messages, receipts, tokens, checkpoints).</summary>
    [Required]
    public SigningKeyOptions SigningKey { get; set; } = new();

    /// <summary>
    /// The key that signs next (rotation, step 1): published in the JWKS at once, so the peer can pin it, but it signs
    /// nothing until it becomes <see cref="SigningKey"/> (step 2, <c>crossborder keys rotate --activate</c>).
    /// </summary>
    public SigningKeyOptions? NextSigningKey { get; set; }

    /// <summary>
    /// The token server's own ECDSA P-256 key, for the access tokens it issues: separate from the evidence key that signs
    /// messages, receipts and checkpoints. Without it the evidence key signs tokens too (a warning at start).
    /// </summary>
    public SigningKeyOptions? TokenSigningKey { get; set; }

    /// <summary>Earlier public keys of this node, kept published so old records stay verifiable.</summary>
    public string? RetiredKeysJwksPath { get; set; }

    /// <summary>
    /// Base64 of 32 random bytes that wrap referrals' data keys (AES-256-GCM): the node's first key-encryption key,
    /// id <c>k0</c>. Optional once every data key is re-wrapped under a key of <see cref="KeyEncryptionKeys"/>.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>Further key-encryption keys by id (1-32 letters, digits, <c>-</c> or <c>_</c>), each base64 of 32 bytes.</summary>
    public Dictionary<string, string> KeyEncryptionKeys { get; set; } = [];

    /// <summary>The key-encryption key that wraps new data keys, and to which the re-wrapping job moves old ones.</summary>
    public string CurrentKeyEncryptionKey { get; set; } = "k0";

    /// <summary>Every configured key-encryption key by id (<see cref="KeyEncryptionKey"/> is <c>k0</c>).</summary>
    public Dictionary<string, byte[]> KeyEncryptionKeyRing()
    {
        var ring = KeyEncryptionKeys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value));
        if (!string.IsNullOrEmpty(KeyEncryptionKey))
            ring["k0"] = Convert.FromBase64String(KeyEncryptionKey);
        return ring;
    }

    [Required, MinLength(1)]
    public List<PeerOptions> Peers { get; set; } = [];

    public List<ClientOptions> Clients { get; set; } = [];
}

public sealed class SigningKeyOptions
{
    /// <summary>Key id published in the JWKS and in every JWS header.</summary>
    [Required]
    public string Kid { get; set; } = "";

    /// <summary>Path to a PKCS#8 (or SEC1) PEM file holding the private key.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The PEM itself, for secret stores that inject values rather than files.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>End of the key's validity period, if it has one: health, metrics and logs warn 30 days before.</summary>
    public DateTimeOffset? NotAfter { get; set; }
}

public sealed class PeerOptions
{
    [Required, RegularExpression("^[A-Z]{2}$")]
    public string Country { get; set; } = "";

    /// <summary>Base URL of the peer node (its token endpoint and exchange API live under it).</summary>
    [Required]
    public Uri? Url { get; set; }

    /// <summary>The peer's pinned public keys (JWKS file). Trust never comes from the network.</summary>
    public string? JwksPath { get; set; }

    /// <summary>The pinned JWKS inline, as an alternative to <see cref="JwksPath"/>.</summary>
    public string? Jwks { get; set; }
}

public sealed class ClientOptions
{
    [Required, RegularExpression("^[A-Za-z0-9._-]{3,64}$")]
    public string ClientId { get; set; } = "";

    [Required, MinLength(16)]
    public string ClientSecret { get; set; } = "";

    [Required, MinLength(1)]
    public List<string> Scopes { get; set; } = [];
}
