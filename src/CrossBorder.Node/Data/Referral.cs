using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Crypto;

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

    /// <summary>
    /// The deadline whose passing changes the status by rule (derived, stored so the deadline clock walks an index).
    /// The information-answer reminder is not one: it changes nothing, so it never makes the clock write the row.
    /// </summary>
    public DateTimeOffset? LapseDueAt { get; set; }

    /// <summary>
    /// This node's step that awaits the peer's signed receipt. Until it arrives the step is not applied here, no
    /// other step is taken here, the deadline clock leaves the case alone and the peer's steps wait (docs/agreement.md).
    /// </summary>
    public Guid? PendingMessageId { get; set; }

    /// <summary>
    /// A message of this node for the case awaits the peer's signed receipt: a pending step, or the submission itself
    /// (the case stays SUBMITTED until its receipt is in). Meanwhile no step is taken here, and on the requesting node
    /// the peer's steps wait for it (docs/agreement.md).
    /// </summary>
    public bool AwaitsOwnReceipt => PendingMessageId is not null || Status == ReferralStatus.Submitted;

    /// <summary>
    /// On the requesting state's node: the latest time on its clock given to a step of the case (taken or received).
    /// Each new one is strictly later, so the order of two crossing steps is never a tie.
    /// </summary>
    public DateTimeOffset? LastOrderAt { get; set; }

    /// <summary>The position of the latest settled history entry.</summary>
    public int LastPosition { get; set; }

    /// <summary>A step from the peer could not be applied to this node's state; see the steps with <c>conflict</c>.</summary>
    public bool HasConflict { get; set; }

    public int LastOutgoingSeq { get; set; }
    public int LastIncomingSeq { get; set; }

    /// <summary>Optimistic concurrency token, exposed as the ETag (<see cref="ETag"/>); moved by <see cref="Changed"/>.</summary>
    public int Version { get; set; }

    public string ETag => $"\"v{Version}\"";

    /// <summary>
    /// The one version rule: every transaction that changes a stored referral calls this once, so its ETag moves and a
    /// client's If-Match from before it fails.
    /// </summary>
    public void Changed(DateTimeOffset at)
    {
        Version++;
        UpdatedAt = at;
    }

    /// <summary>The referral's data key, wrapped by the key-encryption key <see cref="KekId"/>; empty once erased.</summary>
    public required byte[] DataKey { get; set; }

    public string KekId { get; set; } = PersonalDataCipher.DefaultKekId;

    /// <summary><see cref="DataKey"/> with the key that wrapped it (not mapped: the two columns above).</summary>
    public WrappedKey WrappedDataKey
    {
        get => new(KekId, DataKey);
        set => (KekId, DataKey) = (value.KekId, value.Key);
    }

    /// <summary>When the case reached a closed status: its retention period runs from here.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>When its data key was destroyed (retention or an order): personal data and message texts are gone.</summary>
    public DateTimeOffset? ErasedAt { get; set; }
    public required byte[] PersonalData { get; set; }
}

public static class Directions
{
    public const string Outgoing = "outgoing";
    public const string Incoming = "incoming";
}
