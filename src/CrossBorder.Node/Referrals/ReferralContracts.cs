using CrossBorder.Core.Referrals;

namespace CrossBorder.Node.Referrals;

/// <summary>A referral as this node holds it: case metadata, status, deadlines, delivery and the personal data.</summary>
public sealed record ReferralView(
    Guid Id,
    string Reference,
    string? CounterpartReference,
    string Direction,
    string Status,
    string LegalBasis,
    string RequestingState,
    string RequestedState,
    bool Urgent,
    DateOnly ApplicationLodgedOn,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ReceivedAt,
    Deadlines Deadlines,
    DeliveryView? Delivery,
    bool HasConflict,
    IReadOnlyList<string> AllowedSteps,
    IReadOnlyList<StepView> History,
    string ETag,
    ReferralDocument Referral);

/// <summary>
/// What a write (create, step, or its idempotent replay) answers: the case's metadata as the write left it.
/// No personal data: a write-only client gets none back, and reading it is a separate, audited read.
/// </summary>
public sealed record ReferralState(
    Guid Id,
    string Reference,
    string? CounterpartReference,
    string Direction,
    string Status,
    string LegalBasis,
    string RequestingState,
    string RequestedState,
    bool Urgent,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ReceivedAt,
    Deadlines Deadlines,
    DeliveryView? Delivery,
    bool HasConflict,
    IReadOnlyList<string> AllowedSteps,
    string ETag,
    ReferralLinks Links);

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

/// <summary>A referral in a list: metadata only, no personal data.</summary>
public sealed record ReferralSummary(
    Guid Id,
    string Reference,
    string? CounterpartReference,
    string Direction,
    string Status,
    string LegalBasis,
    string RequestingState,
    string RequestedState,
    bool Urgent,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    Deadlines Deadlines,
    DeliveryView? Delivery,
    bool HasConflict);

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
