using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Evidence;

/// <summary>
/// The rules of format <c>crossborder-evidence/1</c> shared by the producer and the verifier: the JSON reading, the
/// parts and the exact bytes each part's SHA-256 is taken over (docs/evidence-pack.md, "Parts and their bytes").
/// </summary>
public static class EvidenceFormat
{
    public const string Version = "crossborder-evidence/1";

    /// <summary>The <c>typ</c> of the manifest JWS.</summary>
    public const string ManifestType = "crossborder-evidence-manifest+jws";

    /// <summary>The media type the node serves a pack with.</summary>
    public const string MediaType = "application/json";

    // Bounds of a pack (docs/evidence-pack.md, "Bounds"). A case has 10-30 messages and a few entries per message and read;
    // the bounds keep the manifest under the JWS size every verifier here accepts (4 MiB).
    public const int MaxMessages = 1000;
    public const int MaxAuditEntries = 4000;
    public const int MaxKeys = 100;
    public const int MaxProofLength = 64;
    public const int MaxManifestLength = Signing.Jws.MaxCompactLength;
    public const int MaxCheckpointLength = 4096;

    /// <summary>base64url of a SHA-256: 43 characters, no padding.</summary>
    public const string HashPattern = "^[A-Za-z0-9_-]{43}$";

    /// <summary>Strict reading: unknown members, missing required members and nulls where none belong are refused.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>A part of the pack: its name and the bytes its manifest digest is taken over.</summary>
    public sealed record Part(string Name, byte[] Sha256);

    /// <summary>
    /// Every part of <paramref name="pack"/> in manifest order with its SHA-256: messages (each message, then its
    /// receipt), audit entries (leaf, then inclusion proof), the checkpoint and its cosignature, earlier checkpoints
    /// (JWS, cosignature, consistency proof), keys. Throws <see cref="FormatException"/> naming the part whose value
    /// cannot be decoded.
    /// </summary>
    public static IReadOnlyList<Part> Parts(EvidencePack pack)
    {
        var parts = new List<Part>();
        for (var i = 0; i < pack.Messages.Count; i++)
        {
            var m = pack.Messages[i];
            var name = $"messages[{i}]";
            if ((m.Jws is null) == (m.Sha256 is null))
                throw new PartException(name, "holds both 'jws' and 'sha256' or neither: exactly one is required");
            parts.Add(new Part(name, m.Jws is not null ? AsciiDigest(m.Jws, name) : Hash(m.Sha256!, name)));
            if (m.Receipt is not null)
                parts.Add(new Part($"{name}.receipt", AsciiDigest(m.Receipt, $"{name}.receipt")));
        }
        for (var i = 0; i < pack.AuditEntries.Count; i++)
        {
            var e = pack.AuditEntries[i];
            parts.Add(new Part($"auditEntries[{i}].leaf", SHA256.HashData(Base64(e.Leaf, $"auditEntries[{i}].leaf"))));
            parts.Add(new Part($"auditEntries[{i}].inclusionProof", Hashes(e.InclusionProof, $"auditEntries[{i}].inclusionProof")));
        }
        parts.Add(new Part("checkpoint.jws", AsciiDigest(pack.Checkpoint.Jws, "checkpoint.jws")));
        parts.Add(new Part("checkpoint.cosignature", AsciiDigest(pack.Checkpoint.Cosignature, "checkpoint.cosignature")));
        for (var k = 0; k < pack.EarlierCheckpoints.Count; k++)
        {
            var c = pack.EarlierCheckpoints[k];
            var name = $"earlierCheckpoints[{k}]";
            parts.Add(new Part($"{name}.jws", AsciiDigest(c.Jws, $"{name}.jws")));
            parts.Add(new Part($"{name}.cosignature", AsciiDigest(c.Cosignature, $"{name}.cosignature")));
            parts.Add(new Part($"{name}.consistencyProof", Hashes(c.ConsistencyProof, $"{name}.consistencyProof")));
        }
        for (var i = 0; i < pack.Keys.Count; i++)
            parts.Add(new Part($"keys[{i}]", SHA256.HashData(KeyBytes(pack.Keys[i]))));
        return parts;
    }

    /// <summary>
    /// The bytes a key's digest is taken over: UTF-8 of <c>kty, crv, x, y, kid, node, validFrom, validUntil</c> as they
    /// stand in the pack, each followed by one line feed (0x0A); an absent validity bound is the empty string.
    /// </summary>
    public static byte[] KeyBytes(EvidenceKey key)
    {
        var sb = new StringBuilder();
        foreach (var field in new[] { key.Jwk.Kty, key.Jwk.Crv, key.Jwk.X, key.Jwk.Y, key.Jwk.Kid, key.Node, key.ValidFrom ?? "", key.ValidUntil ?? "" })
            sb.Append(field).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>An instant as the format writes it: RFC 3339 UTC with milliseconds (<c>2026-03-01T10:00:00.000Z</c>).</summary>
    public static string FormatTime(DateTimeOffset t) => Audit.AuditEntry.FormatTime(t);

    /// <summary>Reads an RFC 3339 UTC instant ending in <c>Z</c>; null when it is not one.</summary>
    public static DateTimeOffset? ParseTime(string text) =>
        text.EndsWith('Z') && DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"],
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>
    /// Decodes unpadded, canonical base64url; throws <see cref="PartException"/> naming <paramref name="part"/> otherwise.
    /// Canonical: the unused low bits of the last character are zero (RFC 4648 §3.5), so no two texts decode to the same
    /// bytes and a changed character is never lost in decoding (a leaf's digest is taken over its decoded bytes).
    /// </summary>
    public static byte[] Base64(string text, string part)
    {
        if (text.Length > 64 * 1024 * 1024 || !Base64Url.IsValid(text) || text.Contains('='))
            throw new PartException(part, "is not unpadded base64url");
        var bytes = Base64Url.DecodeFromChars(text);
        if (!string.Equals(Base64Url.EncodeToString(bytes), text, StringComparison.Ordinal))
            throw new PartException(part, "is not canonical base64url (the unused bits of its last character are not zero)");
        return bytes;
    }

    /// <summary>A list of base64url SHA-256 hashes decoded and concatenated in order (the empty list gives no bytes), then hashed.</summary>
    private static byte[] Hashes(IReadOnlyList<string> hashes, string part)
    {
        var all = new byte[hashes.Count * 32];
        for (var j = 0; j < hashes.Count; j++)
        {
            var h = Base64(hashes[j], part);
            if (h.Length != 32)
                throw new PartException(part, $"hash {j} is not 32 bytes");
            h.CopyTo(all, j * 32);
        }
        return SHA256.HashData(all);
    }

    private static byte[] Hash(string sha256, string part)
    {
        var h = Base64(sha256, part);
        return h.Length == 32 ? h : throw new PartException(part, "'sha256' is not base64url of 32 bytes");
    }

    private static byte[] AsciiDigest(string jws, string part)
    {
        if (!System.Text.Ascii.IsValid(jws))
            throw new PartException(part, "is not an ASCII JWS compact serialization");
        return SHA256.HashData(Encoding.ASCII.GetBytes(jws));
    }

    /// <summary>A value of the pack that does not hold, with the part it belongs to.</summary>
    public sealed class PartException(string part, string reason) : FormatException($"{part}: {reason}")
    {
        public string Part { get; } = part;
        public string Reason { get; } = reason;
    }
}
