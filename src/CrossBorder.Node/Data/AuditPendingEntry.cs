namespace CrossBorder.Node.Data;

/// <summary>
/// An audit entry written inside a business transaction, not yet in the log: the sequencer moves it
/// into <see cref="AuditLogEntry"/> (with its index and leaf bytes) once its transaction has committed.
/// Metadata and digests only, never personal data.
/// </summary>
public sealed class AuditPendingEntry
{
    /// <summary>UUIDv7: the sequencer's stable order among rows visible at once (never read as commit order).</summary>
    public Guid Id { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public required string Kind { get; set; }
    public string? ClientId { get; set; }
    public Guid? ReferralId { get; set; }
    public Guid? MessageId { get; set; }
    public string? MessageType { get; set; }
    public string? Peer { get; set; }
    public string? Digest { get; set; }
    public string? ReceiptDigest { get; set; }
    public string? Code { get; set; }
    public string? Purpose { get; set; }
    public string? Detail { get; set; }
}
