namespace CrossBorder.Node.Operations;

/// <summary>How many messages are in each state, and how long the oldest undelivered one has waited.</summary>
public sealed record MessageSummary(IReadOnlyList<MessageStateCount> States, DateTimeOffset? OldestPendingSentAt,
    double? OldestPendingAgeSeconds, long DeadLetters, DateTimeOffset At);

/// <summary><c>direction</c>: outgoing or incoming; <c>state</c>: queued, delivered, dead_letter, received or conflict.</summary>
public sealed record MessageStateCount(string Direction, string State, long Count);

/// <summary>An outgoing message the peer refused permanently: metadata and the refusal, never the content.</summary>
public sealed record DeadLetterView(Guid MessageId, Guid ReferralId, string Type, int Seq, string To, DateTimeOffset SentAt,
    int Attempts, DateTimeOffset? LastAttemptAt, string? Reason);

/// <summary>Dead letters oldest first; pass <c>nextCursor</c> back as <c>cursor</c> for the next page.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetterView> Items, string? NextCursor);

/// <summary>The re-driven message: queued again under the same id and signed bytes, due now.</summary>
public sealed record RedriveResult(Guid MessageId, Guid ReferralId, string State, DateTimeOffset NextAttemptAt);

/// <summary>
/// One peer as this replica sees it: <c>breaker</c> is <c>closed</c> (sending), <c>open</c> (paused until
/// <c>pausedUntil</c> after failures or a 429) or <c>half-open</c> (failing, probed once per break).
/// </summary>
public sealed record PeerStatusView(string Country, string Url, string Breaker, DateTimeOffset? PausedUntil, long Queued,
    long DeadLetters, DateTimeOffset? LastDeliveredAt, DateTimeOffset? LastCosignedAt);

public sealed record PeerStatusList(IReadOnlyList<PeerStatusView> Items);

/// <summary>
/// A public signing key: this node's own (<c>owner</c> is its country, as published at <c>/exchange/v1/keys</c>) or a
/// peer's as pinned in this node's configuration. <c>notAfter</c> is null when no validity period is configured.
/// </summary>
public sealed record KeyView(string Owner, bool Own, string Kid, string Kty, string Crv, string X, string Y, bool Current,
    DateTimeOffset? NotAfter, double? DaysLeft);

public sealed record KeyList(IReadOnlyList<KeyView> Items);

/// <summary>Messages per minute over a window, and the delivery latency (send to the peer's signed receipt) per minute.</summary>
public sealed record ThroughputView(DateTimeOffset From, DateTimeOffset To, int BucketSeconds, IReadOnlyList<ThroughputBucket> Buckets);

/// <summary>One minute: messages sent, delivered (receipt received) and received; latency in milliseconds (null: none delivered).</summary>
public sealed record ThroughputBucket(DateTimeOffset Start, long Sent, long Delivered, long Received, double? LatencyP50Ms,
    double? LatencyP95Ms, double? LatencyMaxMs);

/// <summary>One signed checkpoint of the audit log and the peer's cosignature (null until cosigned).</summary>
public sealed record CheckpointItem(long TreeSize, string RootHash, DateTimeOffset Time, string Checkpoint, string? Cosignature,
    string? Witness);

/// <summary>Checkpoints newest first; pass <c>nextCursor</c> back as <c>cursor</c> for older ones.</summary>
public sealed record CheckpointPage(IReadOnlyList<CheckpointItem> Items, string? NextCursor);

/// <summary>A case without its personal data: status, deadlines, messages with receipts, and its history of steps.</summary>
public sealed record CaseTimeline(Guid ReferralId, string Reference, string Direction, string Status, string LegalBasis,
    string RequestingState, string RequestedState, DateTimeOffset CreatedAt, IReadOnlyList<CaseDeadline> Deadlines,
    IReadOnlyList<CaseMessage> Messages, IReadOnlyList<CaseStep> Steps);

/// <summary>A deadline of the case; <c>lapsed</c> when its time has passed (the steps say whether it was answered in time).</summary>
public sealed record CaseDeadline(string Name, DateTimeOffset DueAt, bool Lapsed);

/// <summary>A signed message of the case (digest only) and, when there is one, the time of its signed receipt.</summary>
public sealed record CaseMessage(Guid MessageId, string Direction, int Seq, string Type, DateTimeOffset SentAt, DateTimeOffset? ReceiptAt,
    string State, string Digest);

/// <summary>A step of the case history: its legal time, and whether it answered its deadline in time (null: none).</summary>
public sealed record CaseStep(string Step, string? Outcome, string TakenBy, string FromStatus, string ToStatus, DateTimeOffset At,
    DateTimeOffset? LegalAt, bool? InTime, string State);
