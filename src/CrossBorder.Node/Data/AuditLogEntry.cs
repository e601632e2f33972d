namespace CrossBorder.Node.Data;

/// <summary>
/// One sequenced entry of the tamper-evident log (insert-only: a trigger refuses UPDATE and DELETE).
/// <see cref="Leaf"/> holds the exact bytes the Merkle tree commits to; the other columns are copies
/// of leaf fields kept for filtering.
/// </summary>
public sealed class AuditLogEntry
{
    public long LogIndex { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public required string Kind { get; set; }
    public string? ClientId { get; set; }
    public Guid? ReferralId { get; set; }
    public Guid? MessageId { get; set; }
    public required byte[] Leaf { get; set; }

    /// <summary>SHA-256(0x00 || leaf): level 0 of the tree.</summary>
    public required byte[] LeafHash { get; set; }
}
