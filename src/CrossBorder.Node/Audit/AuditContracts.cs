namespace CrossBorder.Node.Audit;

/// <summary>One audit entry: its fields as read from <c>leaf</c>, and <c>leaf</c> itself (base64url of the exact bytes hashed).</summary>
public sealed record AuditEntryView(long Index, DateTimeOffset Time, string Kind, string? Client, Guid? ReferralId, Guid? MessageId,
    string? MessageType, string? Peer, string? Digest, string? ReceiptDigest, string? Code, string? Purpose, string? Detail, string Leaf);

/// <summary>A page of entries in index order; pass <c>nextCursor</c> back as <c>cursor</c> for the next page.</summary>
public sealed record AuditEntryPage(IReadOnlyList<AuditEntryView> Items, string? NextCursor);

/// <summary>RFC 9162 §2.1.3 inclusion proof: <c>auditPath</c> base64url SHA-256 hashes, leaf to root.</summary>
public sealed record InclusionProofView(long LeafIndex, long TreeSize, string RootHash, IReadOnlyList<string> AuditPath);

/// <summary>RFC 9162 §2.1.4 consistency proof from <c>fromSize</c> to <c>toSize</c>, base64url hashes.</summary>
public sealed record ConsistencyProofView(long FromSize, long ToSize, IReadOnlyList<string> Proof);

/// <summary>
/// The latest checkpoint: its fields, the node's <c>crossborder-checkpoint+jws</c>, and the peer's
/// <c>crossborder-cosignature+jws</c> over the same payload bytes (null until the peer has cosigned).
/// </summary>
public sealed record CheckpointView(string Origin, long TreeSize, string RootHash, DateTimeOffset Time, string Checkpoint,
    CosignatureView? Cosignature);

public sealed record CosignatureView(string Witness, string Jws);

/// <summary>
/// Body of <c>POST /exchange/v1/checkpoints</c>: the sender's checkpoint JWS and an RFC 9162 consistency
/// proof (base64url hashes) from <c>fromSize</c>, the size this node last cosigned (0 the first time).
/// </summary>
public sealed record CosignRequest(string Checkpoint, long FromSize, IReadOnlyList<string> Proof);
