using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Evidence;
using CrossBorder.Core.Signing;

namespace CrossBorder.Node.Evidence;

/// <summary>The documented example of a pack: real part digests, illustrative signatures (as the other examples).</summary>
public static class EvidenceExamples
{
    public static JsonNode Pack(Guid referralId, string messageDigest, string receipt, string leaf, IReadOnlyList<string> proof,
        string checkpoint, string cosignature)
    {
        var pack = new EvidencePack(EvidenceFormat.Version, "",
            [new EvidenceMessage(null, messageDigest, receipt)],
            [new EvidenceAuditEntry(leaf, proof)],
            new EvidenceCheckpoint(checkpoint, cosignature),
            [],
            [
                new EvidenceKey("FR", "2026-01-01T00:00:00.000Z", null,
                    new JsonWebKey("EC", "P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "FR-2026-01")),
                new EvidenceKey("GB", "2026-01-01T00:00:00.000Z", null,
                    new JsonWebKey("EC", "P-256", "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0", "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps", "GB-2026-01")),
            ]);
        var parts = EvidenceFormat.Parts(pack).Select(p => new ManifestPart(p.Name, EvidenceFormat.Encode(p.Sha256))).ToList();
        var manifest = new EvidenceManifest(EvidenceFormat.Version, referralId, "FR", "2026-11-02T14:30:00.000Z", false, parts);
        var header = $$"""{"alg":"ES256","kid":"FR-2026-01","typ":"{{EvidenceFormat.ManifestType}}"}""";
        var jws = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." +
            Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(manifest, EvidenceFormat.Json)) +
            ".MEUCIQDxample0signature0only0for0illustration0AAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        return JsonSerializer.SerializeToNode(pack with { Manifest = jws }, EvidenceFormat.Json)!;
    }
}
