namespace CrossBorder.Node.Data;

/// <summary>
/// Every PostgreSQL advisory lock key the node uses, in one place. The one lock order for any transaction
/// that takes more than one lock (docs/architecture.md, "Locks"): the referral's advisory key and then the
/// message id's advisory key (inbound messages only), then the referral row (<c>FOR UPDATE</c>), then its
/// message rows. Workers that claim rows use <c>SKIP LOCKED</c> and never wait. Leader locks are session locks
/// on a worker's own connection and are never taken inside a business transaction. The idempotency lock is
/// tried, never waited for.
/// </summary>
public static class LockIds
{
    /// <summary>Transaction lock: one replica at a time syncs the configured OAuth clients at start.</summary>
    public const long ClientSync = 7301;

    /// <summary>Session lock: the replica that holds it sequences the change feed.</summary>
    public const long FeedSequencer = 7302;

    /// <summary>Session lock: the replica that holds it sequences the audit log and signs checkpoints.</summary>
    public const long AuditSequencer = 7410;

    /// <summary>Namespace (second argument of <c>hashtextextended</c>) of per-referral transaction locks.</summary>
    public const int ReferralSeed = 0;

    /// <summary>Namespace of per-message-id transaction locks (inbound duplicates).</summary>
    public const int MessageSeed = 1;
}
