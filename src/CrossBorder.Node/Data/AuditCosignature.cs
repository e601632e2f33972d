namespace CrossBorder.Node.Data;

/// <summary>The peer's cosignature of one of this node's checkpoints (insert-only).</summary>
public sealed class AuditCosignature
{
    public long TreeSize { get; set; }
    public required string Witness { get; set; }

    /// <summary>The peer's <c>crossborder-cosignature+jws</c>, verbatim.</summary>
    public required string Jws { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}
