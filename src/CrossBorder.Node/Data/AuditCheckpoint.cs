namespace CrossBorder.Node.Data;

/// <summary>A checkpoint this node signed over its own log (insert-only).</summary>
public sealed class AuditCheckpoint
{
    public long TreeSize { get; set; }
    public required byte[] RootHash { get; set; }
    public DateTimeOffset SignedAt { get; set; }

    /// <summary>The <c>crossborder-checkpoint+jws</c>, verbatim.</summary>
    public required string Jws { get; set; }
}
