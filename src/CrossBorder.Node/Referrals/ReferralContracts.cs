using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using CrossBorder.Core.Referrals;

namespace CrossBorder.Node.Referrals;

// The write answer (ReferralState) and the full read (ReferralView) are a summary and more: the members are declared
// once, and JsonPropertyOrder keeps each answer's wire order (Contract/WireOrderSchemaFilter puts the schemas in it too).

/// <summary>A referral in a list: metadata only, no personal data.</summary>
public record ReferralSummary
{
    [JsonPropertyOrder(1)] public required Guid Id { get; init; }
    [JsonPropertyOrder(2)] public required string Reference { get; init; }
    [JsonPropertyOrder(3)] public string? CounterpartReference { get; init; }
    [JsonPropertyOrder(4)] public required string Direction { get; init; }
    [JsonPropertyOrder(5)] public required string Status { get; init; }
    [JsonPropertyOrder(6)] public required string LegalBasis { get; init; }
    [JsonPropertyOrder(7)] public required string RequestingState { get; init; }
    [JsonPropertyOrder(8)] public required string RequestedState { get; init; }
    [JsonPropertyOrder(9)] public required bool Urgent { get; init; }
    [JsonPropertyOrder(11)] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyOrder(12)] public required DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyOrder(14)] public required Deadlines Deadlines { get; init; }
    [JsonPropertyOrder(15)] public DeliveryView? Delivery { get; init; }
    [JsonPropertyOrder(16)] public required bool HasConflict { get; init; }
}

/// <summary>
/// What a write (create, step, or its idempotent replay) answers: the case's metadata as the write left it.
/// No personal data: a write-only client gets none back, and reading it is a separate, audited read.
/// </summary>
public sealed record ReferralState : ReferralSummary
{
    public ReferralState() { }

    /// <summary>This summary's members; the caller's object initializer sets the ones below.</summary>
#pragma warning disable CS8618 // set by the object initializer that follows this constructor
    [SetsRequiredMembers]
    public ReferralState(ReferralSummary summary) : base(summary) { }
#pragma warning restore CS8618

    [JsonPropertyOrder(13)] public DateTimeOffset? ReceivedAt { get; init; }
    [JsonPropertyOrder(17)] public required IReadOnlyList<string> AllowedSteps { get; init; }
    [JsonPropertyOrder(19)] public required string ETag { get; init; }
    [JsonPropertyOrder(21)] public required ReferralLinks Links { get; init; }
}

/// <summary>A referral as this node holds it: case metadata, status, deadlines, delivery and the personal data.</summary>
public sealed record ReferralView : ReferralSummary
{
    public ReferralView() { }

    /// <summary>This summary's members; the caller's object initializer sets the ones below.</summary>
#pragma warning disable CS8618 // set by the object initializer that follows this constructor
    [SetsRequiredMembers]
    public ReferralView(ReferralSummary summary) : base(summary) { }
#pragma warning restore CS8618

    [JsonPropertyOrder(10)] public required DateOnly ApplicationLodgedOn { get; init; }
    [JsonPropertyOrder(13)] public DateTimeOffset? ReceivedAt { get; init; }
    [JsonPropertyOrder(17)] public required IReadOnlyList<string> AllowedSteps { get; init; }
    [JsonPropertyOrder(18)] public required IReadOnlyList<StepView> History { get; init; }
    [JsonPropertyOrder(19)] public required string ETag { get; init; }
    [JsonPropertyOrder(20)] public required ReferralDocument Referral { get; init; }
}

/// <summary>Where to read more about the case.</summary>
public sealed record ReferralLinks(string Self, string Messages);

/// <summary>
/// One entry of the case history: a step (<c>takenBy</c> a country) or a lapse by rule (<c>takenBy: rule</c>), in the
/// same order on both nodes. A step's legal time is the receiver's signed receipt time (<c>legalAt</c>, which
/// <c>at</c> repeats once known); <c>inTime</c> says whether it was at or before the deadline the step answered
/// (null: it answered none). <c>state</c>: <c>applied</c>; <c>pending</c> (sent, awaiting the peer's receipt, which
/// decides it); <c>held</c> (received while this node's own step awaits its receipt; applied in order after it);
/// <c>late</c> (received after a deadline lapsed: stored, not applied, the lapse stands); <c>conflict</c> (not
/// allowed from the status it met, e.g. the loser of two crossing steps: stored on both nodes, not applied).
/// See docs/agreement.md for the order of crossing steps.
/// </summary>
public sealed record StepView(string Step, string? Outcome, string TakenBy, string FromStatus, string ToStatus, DateTimeOffset At,
    Guid? MessageId, bool Conflict, string State, DateTimeOffset? TakenAt, DateTimeOffset? LegalAt, bool? InTime);

/// <summary>
/// Legal deadlines, each computed from a signed receipt time (null until that receipt exists).
/// <c>nextDueAt</c> is the one that matters in the current status; <c>overdue</c> says it has passed.
/// </summary>
public sealed record Deadlines(
    DateTimeOffset? ReplyDueAt,
    DateTimeOffset? InformationDueAt,
    DateTimeOffset? ReexaminationRequestDueAt,
    DateTimeOffset? ReexaminationReplyDueAt,
    DateTimeOffset? TransferDueAt,
    DateTimeOffset? NextDueAt,
    bool Overdue);

/// <summary>
/// Where the latest message this node sent for the case stands: <c>queued</c> (not yet tried),
/// <c>retrying</c> (failed, will retry; see lastError), <c>delivered</c> (receipt held) or
/// <c>dead_letter</c> (the peer refused it; an operator must act).
/// </summary>
public sealed record DeliveryView(
    Guid MessageId,
    string MessageType,
    string State,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    DateTimeOffset? ReceiptReceivedAt);

public sealed record ReferralPage(IReadOnlyList<ReferralSummary> Items, string? NextCursor);

/// <summary>One signed message of the case and its signed receipt, both verbatim JWS.</summary>
public sealed record MessageView(
    Guid Id,
    string Direction,
    int Seq,
    string Type,
    string From,
    string To,
    DateTimeOffset SentAt,
    string State,
    string Digest,
    string Jws,
    string? Receipt,
    DateTimeOffset? ReceivedAt);
