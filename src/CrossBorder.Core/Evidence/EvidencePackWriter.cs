using System.Text.Json;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Evidence;

/// <summary>Seals a pack: computes every part's digest and signs the manifest with the producing node's key.</summary>
public static class EvidencePackWriter
{
    /// <summary>
    /// Returns <paramref name="pack"/> with a new manifest over its parts (any manifest it held is replaced), signed
    /// with <paramref name="key"/> as a <c>crossborder-evidence-manifest+jws</c>.
    /// </summary>
    public static EvidencePack Seal(EvidencePack pack, Guid referralId, string producer, DateTimeOffset createdAt, bool personalData,
        SigningKey key)
    {
        var parts = EvidenceFormat.Parts(pack).Select(p => new ManifestPart(p.Name, EvidenceFormat.Encode(p.Sha256))).ToList();
        var manifest = new EvidenceManifest(EvidenceFormat.Version, referralId, producer, EvidenceFormat.FormatTime(createdAt), personalData, parts);
        var payload = JsonSerializer.SerializeToUtf8Bytes(manifest, EvidenceFormat.Json);
        return pack with { Format = EvidenceFormat.Version, Manifest = Jws.Sign(payload, key, EvidenceFormat.ManifestType) };
    }
}
