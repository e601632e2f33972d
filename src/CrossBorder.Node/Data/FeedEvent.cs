namespace CrossBorder.Node.Data;

/// <summary>
/// One entry of the ministry change feed. Written without a position by the transaction that makes the change;
/// <see cref="Feed.FeedSequencer"/> gives committed events contiguous positions afterwards, so the feed
/// is gap-free and ordered without any lock held across a request's transaction.
/// </summary>
public sealed class FeedEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>Null until the sequencer numbers the event; readers only see numbered events.</summary>
    public long? Position { get; set; }
    public required string Type { get; set; }
    public Guid ReferralId { get; set; }
    public required string Reference { get; set; }
    public required string Status { get; set; }
    public Guid? MessageId { get; set; }
    public string? Step { get; set; }

    /// <summary>Metadata only (an error code, a deadline name); never personal data.</summary>
    public string? Detail { get; set; }
    public DateTimeOffset At { get; set; }
}

public static class FeedEventTypes
{
    public const string Created = "referral.created";
    public const string Received = "referral.received";
    public const string Delivered = "message.delivered";
    public const string DeliveryFailed = "message.delivery-failed";
    public const string StepTaken = "step.taken";
    public const string StepReceived = "step.received";
    public const string StatusChanged = "status.changed";
    public const string DeadlinePassed = "deadline.passed";
    public const string Conflict = "step.conflict";
    public const string Late = "step.late";
    public const string Reminder = "deadline.reminder";

    /// <summary>A document was attached here (<c>detail</c>: its id); its message to the peer is queued.</summary>
    public const string AttachmentAdded = "attachment.added";

    /// <summary>The peer's document arrived in full and matched its signed digest (<c>detail</c>: its id).</summary>
    public const string AttachmentReceived = "attachment.received";
}
