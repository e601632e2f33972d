using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Evidence;

/// <summary>
/// One verification of one pack, in the order of docs/evidence-pack.md: structure, keys, manifest and digests here; the
/// checkpoints and the log in EvidenceCheck.Log.cs; messages and receipts in EvidenceCheck.Messages.cs. A failure throws
/// <see cref="EvidenceFormat.PartException"/> naming its part; <see cref="EvidenceVerifier"/> turns it into the result.
/// </summary>
internal sealed partial class EvidenceCheck(EvidencePack pack)
{
    private readonly EvidencePack _pack = pack;
    public List<string> Checks { get; } = [];
    public List<string> Notes { get; } = [];
    public EvidenceManifest? Manifest { get; private set; }

    private readonly List<(EvidenceKey Key, ECDsa Ecdsa, DateTimeOffset? From, DateTimeOffset? Until)> _keys = [];
    private string _producer = "", _peer = "";
    private Checkpoint _checkpoint = null!;
    private readonly List<(long Size, DateTimeOffset Time, string Name)> _anchors = [];
    private readonly List<AuditEntry> _entries = [];

    public void All()
    {
        if (_pack.Format != EvidenceFormat.Version)
            Fail("format", $"is '{Short(_pack.Format)}', not '{EvidenceFormat.Version}'");
        if (_pack.Messages.Count > EvidenceFormat.MaxMessages)
            Fail("messages", $"more than {EvidenceFormat.MaxMessages}");
        if (_pack.AuditEntries.Count > EvidenceFormat.MaxAuditEntries)
            Fail("auditEntries", $"more than {EvidenceFormat.MaxAuditEntries}");
        if (_pack.EarlierCheckpoints.Count > EvidenceFormat.MaxAuditEntries)
            Fail("earlierCheckpoints", $"more than {EvidenceFormat.MaxAuditEntries}");
        if (_pack.Keys.Count > EvidenceFormat.MaxKeys)
            Fail("keys", $"more than {EvidenceFormat.MaxKeys}");
        NoNulls();
        var parts = EvidenceFormat.Parts(_pack); // decoding errors name their part
        ReadKeys();
        var (manifest, manifestKid) = ReadManifest();
        CheckPartNames(manifest, parts);
        CheckKeyDigests(manifest, parts, manifestKid);
        VerifyManifest(manifest, manifestKid);
        CheckDigests(manifest, parts);
        VerifyCheckpoint();
        VerifyEarlierCheckpoints();
        VerifyAuditEntries();
        VerifyMessages();
    }

    /// <summary>The serializer refuses null members, not null list items: those are named here.</summary>
    private void NoNulls()
    {
        static void Items<T>(IReadOnlyList<T> list, string name)
        {
            for (var i = 0; i < list.Count; i++)
                if (list[i] is null) Fail($"{name}[{i}]", "is null");
        }
        Items(_pack.Messages, "messages");
        Items(_pack.AuditEntries, "auditEntries");
        Items(_pack.EarlierCheckpoints, "earlierCheckpoints");
        Items(_pack.Keys, "keys");
        for (var i = 0; i < _pack.AuditEntries.Count; i++)
            Items(_pack.AuditEntries[i].InclusionProof, $"auditEntries[{i}].inclusionProof");
        for (var k = 0; k < _pack.EarlierCheckpoints.Count; k++)
            Items(_pack.EarlierCheckpoints[k].ConsistencyProof, $"earlierCheckpoints[{k}].consistencyProof");
    }

    private void ReadKeys()
    {
        var kids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _pack.Keys.Count; i++)
        {
            var k = _pack.Keys[i];
            var name = $"keys[{i}]";
            if (k.Node.Length != 2 || !k.Node.All(char.IsAsciiLetterUpper))
                Fail(name, "'node' is not an ISO 3166-1 alpha-2 code");
            if (k.Jwk.Kty != "EC" || k.Jwk.Crv != "P-256" || k.Jwk.Alg is not (null or Jws.Algorithm) || k.Jwk.Use is not (null or "sig"))
                Fail(name, "is not an EC P-256 signing key for ES256 (kty EC, crv P-256, alg ES256, use sig)");
            if (string.IsNullOrEmpty(k.Jwk.Kid) || k.Jwk.Kid.Any(char.IsControl) || !kids.Add(k.Jwk.Kid))
                Fail(name, "has an empty or repeated 'kid'");
            DateTimeOffset? from = null, until = null;
            if (k.ValidFrom is not null && (from = EvidenceFormat.ParseTime(k.ValidFrom)) is null)
                Fail(name, "'validFrom' is not an RFC 3339 UTC instant");
            if (k.ValidUntil is not null && (until = EvidenceFormat.ParseTime(k.ValidUntil)) is null)
                Fail(name, "'validUntil' is not an RFC 3339 UTC instant");
            if (from is not null && until is not null && until <= from)
                Fail(name, "'validUntil' is not after 'validFrom'");
            ECDsa ecdsa;
            try
            {
                if (EvidenceFormat.Base64(k.Jwk.X, name).Length != 32 || EvidenceFormat.Base64(k.Jwk.Y, name).Length != 32)
                    Fail(name, "'x' and 'y' must be 32 bytes each");
                ecdsa = k.Jwk.ToECDsa();
            }
            catch (CryptographicException)
            {
                Fail(name, "'x' and 'y' are not a point of P-256");
                throw; // unreachable
            }
            _keys.Add((k, ecdsa, from, until));
        }
    }

    private (EvidenceManifest Manifest, string Kid) ReadManifest()
    {
        var segments = _pack.Manifest.Split('.');
        if (segments.Length != 3)
            Fail("manifest", "is not a JWS compact serialization (three dot-separated parts)");
        EvidenceManifest? manifest;
        string? kid;
        try
        {
            using var header = JsonDocument.Parse(EvidenceFormat.Base64(segments[0], "manifest"));
            kid = header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty("kid", out var k)
                && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            manifest = JsonSerializer.Deserialize<EvidenceManifest>(EvidenceFormat.Base64(segments[1], "manifest"), EvidenceFormat.Json);
        }
        catch (JsonException)
        {
            Fail("manifest", "its header or payload is not valid JSON of the manifest's shape");
            throw; // unreachable
        }
        if (manifest is null || kid is null)
            Fail("manifest", "names no signing key ('kid') or has an empty payload");
        if (manifest!.Format != EvidenceFormat.Version)
            Fail("manifest", $"states format '{Short(manifest.Format)}', not '{EvidenceFormat.Version}'");
        Manifest = manifest;
        return (manifest, kid!);
    }

    private static void CheckPartNames(EvidenceManifest manifest, IReadOnlyList<EvidenceFormat.Part> parts)
    {
        for (var i = 0; i < Math.Max(parts.Count, manifest.Parts.Count); i++)
        {
            if (i >= manifest.Parts.Count)
                Fail(parts[i].Name, "is in the _pack but not in the manifest");
            if (i >= parts.Count)
                Fail(manifest.Parts[i].Name, "is in the manifest but not in the _pack");
            if (manifest.Parts[i].Name != parts[i].Name)
            {
                // Whichever list has the part the other lacks is named.
                var inPack = parts.Any(p => p.Name == manifest.Parts[i].Name);
                Fail(inPack ? parts[i].Name : manifest.Parts[i].Name,
                    inPack ? "is in the _pack but not in the manifest" : "is in the manifest but not in the _pack");
            }
        }
    }

    /// <summary>
    /// Keys first: the manifest is verified with one of them. When a key differs from its manifest entry, the culprit is
    /// told apart by the manifest's own key (its kid and point are intact, or it would not be found): if the manifest does
    /// not verify with it, the manifest was altered (its entry for a key, say); if it does, the key was.
    /// </summary>
    private void CheckKeyDigests(EvidenceManifest manifest, IReadOnlyList<EvidenceFormat.Part> parts, string manifestKid)
    {
        for (var i = 0; i < _pack.Keys.Count; i++)
        {
            var name = $"keys[{i}]";
            var listed = manifest.Parts.Single(p => p.Name == name).Sha256;
            var actual = EvidenceFormat.Encode(parts.Single(p => p.Name == name).Sha256);
            if (listed == actual) continue;
            if (_keys.FirstOrDefault(k => k.Key.Jwk.Kid == manifestKid && k.Key.Node == manifest.Producer).Key is { } own
                && !Jws.Verify(_pack.Manifest, EvidenceFormat.ManifestType, new KeyRing([own.Jwk])).IsValid)
                Fail("manifest", $"its signature does not verify with the key it names ('{manifestKid}' of {manifest.Producer})");
            Fail(name, $"SHA-256 {actual} does not match the manifest's {Short(listed)}");
        }
        Checks.Add($"keys: {_pack.Keys.Count} P-256 keys, each matching the manifest's SHA-256");
    }

    private void VerifyManifest(EvidenceManifest manifest, string kid)
    {
        _producer = manifest.Producer;
        var producerKeys = KeysOf(_producer);
        if (producerKeys.Count == 0)
            Fail("manifest", $"its producer '{Short(_producer)}' has no key in the _pack");
        var v = Jws.Verify(_pack.Manifest, EvidenceFormat.ManifestType, new KeyRing(producerKeys.Select(k => k.Key.Jwk)));
        if (!v.IsValid)
            Fail("manifest", v.Failure == JwsFailure.UnknownKey
                ? $"is signed with key '{Short(kid)}', which the _pack does not list as a key of {_producer}"
                : $"its signature does not verify with {_producer}'s key '{Short(kid)}' ({v.Error})");
        var created = EvidenceFormat.ParseTime(manifest.CreatedAt) ?? Fail<DateTimeOffset>("manifest", "'createdAt' is not an RFC 3339 UTC instant");
        WithinValidity("manifest", kid, created, "created");
        var peers = _pack.Keys.Select(k => k.Node).Where(n => n != _producer).Distinct().ToList();
        if (peers.Count != 1)
            Fail("keys", $"must hold the keys of exactly one node besides the producer {_producer}; found {peers.Count}");
        _peer = peers[0];
        Checks.Add($"manifest: ES256 signature by {_producer} key '{kid}' verifies; referral {manifest.ReferralId}, created {manifest.CreatedAt}, " +
            $"personal data {(manifest.PersonalData ? "included" : "not included")}");
        foreach (var (key, _, _, _) in _keys)
            Checks.Add($"key {key.Node} '{key.Jwk.Kid}': RFC 7638 thumbprint {Thumbprint(key)}, valid from {key.ValidFrom ?? "(open)"} until {key.ValidUntil ?? "(open)"}");
    }

    private void CheckDigests(EvidenceManifest manifest, IReadOnlyList<EvidenceFormat.Part> parts)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            var actual = EvidenceFormat.Encode(parts[i].Sha256);
            if (manifest.Parts[i].Sha256 != actual)
                Fail(parts[i].Name, $"SHA-256 {actual} does not match the manifest's {Short(manifest.Parts[i].Sha256)}");
        }
        Checks.Add($"parts: the SHA-256 of all {parts.Count} parts matches the signed manifest");
    }

    private bool IsPair(string a, string b) => (a == _producer && b == _peer) || (a == _peer && b == _producer);

    private List<(EvidenceKey Key, ECDsa Ecdsa, DateTimeOffset? From, DateTimeOffset? Until)> KeysOf(string node) =>
        _keys.Where(k => k.Key.Node == node).ToList();

    private void WithinValidity(string part, string kid, DateTimeOffset at, string verb)
    {
        var k = _keys.Single(k => k.Key.Jwk.Kid == kid);
        if ((k.From is { } from && at < from) || (k.Until is { } until && at >= until))
            Fail(part, $"{verb} at {EvidenceFormat.FormatTime(at)}, outside the validity of key '{kid}' " +
                $"({k.Key.ValidFrom ?? "open"} to {k.Key.ValidUntil ?? "open"})");
    }

    private static string Thumbprint(EvidenceKey key) =>
        EvidenceFormat.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{{\"crv\":\"{key.Jwk.Crv}\",\"kty\":\"{key.Jwk.Kty}\",\"x\":\"{key.Jwk.X}\",\"y\":\"{key.Jwk.Y}\"}}")));

    private static string Short(string? s) => s is null ? "(null)" : s.Length > 80 ? s[..80] + "…" : s;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string part, string reason) => throw new EvidenceFormat.PartException(part, reason);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static T Fail<T>(string part, string reason) => throw new EvidenceFormat.PartException(part, reason);
}
