namespace CrossBorder.Node.Data;

/// <summary>
/// One entry of the ministry change feed. <see cref="Position"/> is assigned at commit under a lock
/// (see <see cref="NodeDbContext"/>), so the feed is gap-free and a reader never sees n+1 before n.
/// </summary>
public sealed class FeedEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public long Position { get; set; }
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
}
