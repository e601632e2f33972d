namespace CrossBorder.Node.Data;

/// <summary>
/// The hash of a complete subtree of the log, stored once when it fills up: leaves
/// [Position * 2^Level, (Position + 1) * 2^Level), Level ≥ 1 (level 0 is <see cref="AuditLogEntry.LeafHash"/>).
/// Proofs and roots over millions of entries then read O(log n) rows.
/// </summary>
public sealed class AuditTreeNode
{
    public int Level { get; set; }
    public long Position { get; set; }
    public required byte[] Hash { get; set; }
}
