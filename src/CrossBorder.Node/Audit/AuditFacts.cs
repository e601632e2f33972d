namespace CrossBorder.Node.Audit;

/// <summary>What one audit entry says: its kind and the ids, digests and codes it names. Never personal data.</summary>
public sealed record AuditFacts(string Kind)
{
    public string? Client { get; init; }
    public Guid? ReferralId { get; init; }
    public Guid? MessageId { get; init; }
    public string? MessageType { get; init; }
    public string? Peer { get; init; }
    public string? Digest { get; init; }
    public string? ReceiptDigest { get; init; }

    /// <summary>A problem code (<c>CB0101</c>) or a short OAuth error code.</summary>
    public string? Code { get; init; }

    /// <summary>The purpose a reader of personal data gave (<c>X-Purpose</c>).</summary>
    public string? Purpose { get; init; }

    /// <summary>At most 200 characters of ids, statuses and route templates.</summary>
    public string? Detail { get; init; }
}
