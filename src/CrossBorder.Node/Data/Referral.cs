namespace CrossBorder.Node.Data;

/// <summary>
/// This node's copy of one case. Metadata is clear text (it drives lists, deadlines and audit);
/// the child's and family's personal data live only in <see cref="PersonalData"/>, encrypted under
/// the case's own data key.
/// </summary>
public sealed class Referral
{
    public Guid Id { get; set; }
    public required string Reference { get; set; }
    public string? CounterpartReference { get; set; }
    public required string Direction { get; set; }
    public required string Status { get; set; }
    public required string LegalBasis { get; set; }
    public required string RequestingState { get; set; }
    public required string RequestedState { get; set; }
    public bool Urgent { get; set; }
    public DateOnly ApplicationLodgedOn { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The signed receipt time of the submission: every legal clock starts here.</summary>
    public DateTimeOffset? ReceivedAt { get; set; }
    public DateTimeOffset? ReplyDueAt { get; set; }
    public DateTimeOffset? InformationDueAt { get; set; }
    public DateTimeOffset? ReexaminationRequestDueAt { get; set; }
    public DateTimeOffset? ReexaminationReplyDueAt { get; set; }
    public DateTimeOffset? TransferDueAt { get; set; }

    /// <summary>The deadline open in the current status (derived, stored so lists can filter and sort on it).</summary>
    public DateTimeOffset? NextDueAt { get; set; }

    /// <summary>A step from the peer could not be applied to this node's state; see the steps with <c>conflict</c>.</summary>
    public bool HasConflict { get; set; }

    public int LastOutgoingSeq { get; set; }
    public int LastIncomingSeq { get; set; }

    /// <summary>Optimistic concurrency token, exposed as the ETag.</summary>
    public int Version { get; set; }

    public required byte[] DataKey { get; set; }
    public required byte[] PersonalData { get; set; }
}

public static class Directions
{
    public const string Outgoing = "outgoing";
    public const string Incoming = "incoming";
}
