using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using CrossBorder.Core.Referrals;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Evidence;

/// <summary>
/// One case's evidence pack, format <c>crossborder-evidence/1</c> (docs/evidence-pack.md): every signed message and
/// receipt verbatim, the case's audit leaves with RFC 9162 inclusion proofs to one checkpoint the peer cosigned,
/// earlier cosigned checkpoints with consistency proofs to it, both nodes' keys with their validity, and a manifest
/// (a JWS by the producing node) holding the SHA-256 of every part. Every value a verifier relies on is either signed
/// or hashed in the manifest, so changing any value is named by <see cref="EvidenceVerifier"/>.
/// </summary>
public sealed record EvidencePack(
    [property: JsonPropertyName("format"), MaxLength(32)] string Format,
    [property: JsonPropertyName("manifest"), MaxLength(EvidenceFormat.MaxManifestLength)] string Manifest,
    [property: JsonPropertyName("messages"), MaxLength(EvidenceFormat.MaxMessages)] IReadOnlyList<EvidenceMessage> Messages,
    [property: JsonPropertyName("auditEntries"), MaxLength(EvidenceFormat.MaxAuditEntries)] IReadOnlyList<EvidenceAuditEntry> AuditEntries,
    [property: JsonPropertyName("checkpoint")] EvidenceCheckpoint Checkpoint,
    [property: JsonPropertyName("earlierCheckpoints"), MaxLength(EvidenceFormat.MaxAuditEntries)] IReadOnlyList<EvidenceEarlierCheckpoint> EarlierCheckpoints,
    [property: JsonPropertyName("keys"), MaxLength(EvidenceFormat.MaxKeys)] IReadOnlyList<EvidenceKey> Keys);

/// <summary>
/// One signed message of the case with the receipt its receiver signed (null until delivered). With personal data,
/// <c>jws</c> is the message verbatim and <c>sha256</c> is null; without, <c>jws</c> is null and <c>sha256</c> is the
/// base64url SHA-256 of the message's JWS bytes (the value the receipt and the audit log carry).
/// </summary>
public sealed record EvidenceMessage(
    [property: JsonPropertyName("jws")] string? Jws,
    [property: JsonPropertyName("sha256"), MaxLength(43), RegularExpression(EvidenceFormat.HashPattern)] string? Sha256,
    [property: JsonPropertyName("receipt")] string? Receipt);

/// <summary>An audit log entry of the case: its exact leaf bytes (base64url) and its audit path to the checkpoint (leaf to root).</summary>
public sealed record EvidenceAuditEntry(
    [property: JsonPropertyName("leaf"), MaxLength(4000), RegularExpression("^[A-Za-z0-9_-]+$")] string Leaf,
    [property: JsonPropertyName("inclusionProof"), MaxLength(EvidenceFormat.MaxProofLength), ListItems(MaxLength = 43, Pattern = EvidenceFormat.HashPattern)]
    IReadOnlyList<string> InclusionProof);

/// <summary>The producer's checkpoint (<c>crossborder-checkpoint+jws</c>) and the peer's cosignature of it.</summary>
public sealed record EvidenceCheckpoint(
    [property: JsonPropertyName("jws"), MaxLength(EvidenceFormat.MaxCheckpointLength)] string Jws,
    [property: JsonPropertyName("cosignature"), MaxLength(EvidenceFormat.MaxCheckpointLength)] string Cosignature);

/// <summary>
/// An earlier cosigned checkpoint (the first one that covered some entry of the case) and the RFC 9162 consistency
/// proof from its size to the main checkpoint's: it shows those entries were in the log by its time.
/// </summary>
public sealed record EvidenceEarlierCheckpoint(
    [property: JsonPropertyName("jws"), MaxLength(EvidenceFormat.MaxCheckpointLength)] string Jws,
    [property: JsonPropertyName("cosignature"), MaxLength(EvidenceFormat.MaxCheckpointLength)] string Cosignature,
    [property: JsonPropertyName("consistencyProof"), MaxLength(EvidenceFormat.MaxProofLength), ListItems(MaxLength = 43, Pattern = EvidenceFormat.HashPattern)]
    IReadOnlyList<string> ConsistencyProof);

/// <summary>
/// A public signing key of one node (<c>node</c>: ISO 3166-1 alpha-2) and the period it signs in: RFC 3339 UTC instants,
/// <c>validFrom</c> inclusive, <c>validUntil</c> exclusive, null for an open end.
/// </summary>
public sealed record EvidenceKey(
    [property: JsonPropertyName("node"), MaxLength(2), RegularExpression("^[A-Z]{2}$")] string Node,
    [property: JsonPropertyName("validFrom"), MaxLength(40)] string? ValidFrom,
    [property: JsonPropertyName("validUntil"), MaxLength(40)] string? ValidUntil,
    [property: JsonPropertyName("jwk")] JsonWebKey Jwk);

/// <summary>The manifest JWS payload: what the producing node states about the pack.</summary>
public sealed record EvidenceManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("referralId")] Guid ReferralId,
    [property: JsonPropertyName("producer")] string Producer,
    [property: JsonPropertyName("createdAt")] string CreatedAt,
    [property: JsonPropertyName("personalData")] bool PersonalData,
    [property: JsonPropertyName("parts")] IReadOnlyList<ManifestPart> Parts);

/// <summary>One part of the pack by name (e.g. <c>messages[0].receipt</c>) and the base64url SHA-256 of its bytes.</summary>
public sealed record ManifestPart(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("sha256")] string Sha256);
