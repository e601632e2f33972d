namespace CrossBorder.Node.Data;

/// <summary>
/// This node's durable witness state of a peer's log: every checkpoint of the peer it cosigned
/// (insert-only). The row with the largest size is what the next checkpoint must extend.
/// </summary>
public sealed class AuditWitnessRecord
{
    public required string Origin { get; set; }
    public long TreeSize { get; set; }
    public required byte[] RootHash { get; set; }

    /// <summary>The peer's checkpoint JWS, verbatim: evidence the peer signed this state.</summary>
    public required string CheckpointJws { get; set; }
    public required string CosignatureJws { get; set; }
    public DateTimeOffset CosignedAt { get; set; }
}
