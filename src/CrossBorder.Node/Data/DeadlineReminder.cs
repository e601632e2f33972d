namespace CrossBorder.Node.Data;

/// <summary>
/// A reminder the deadline clock published (the information answer's): kept apart from the referral so a
/// reminder is an event, never a write to the case (no version bump, no ETag change for the ministries).
/// </summary>
public sealed class DeadlineReminder
{
    public Guid ReferralId { get; set; }
    public required string Deadline { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset SentAt { get; set; }
}
