namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The last values <see cref="MetricsSampler"/> read from the database, for the gauges to report: a scrape never
/// queries the database. Times are kept rather than ages, so an age keeps growing between two samples. The
/// database is shared by every replica of the node, so each replica reports the same numbers.
/// </summary>
public sealed class DatabaseGauges
{
    private volatile DatabaseSample? _latest;

    /// <summary>Null until the first sample was read.</summary>
    public DatabaseSample? Latest => _latest;

    public void Set(DatabaseSample sample) => _latest = sample;
}

/// <summary>One reading of the database's state.</summary>
/// <param name="Messages">Message counts by metric direction (<c>outbound</c>, <c>inbound</c>) and metric state.</param>
/// <param name="OldestPendingSentAt">When the oldest undelivered outgoing message was queued; null when none waits.</param>
/// <param name="AuditPending">Audit entries committed but not yet in the log.</param>
/// <param name="LastCheckpointAt">When this node last signed a checkpoint of its log.</param>
/// <param name="LastCosignatureAt">Per peer: when that peer's latest cosignature of this node's log arrived.</param>
public sealed record DatabaseSample(
    IReadOnlyDictionary<(string Direction, string State), long> Messages,
    DateTimeOffset? OldestPendingSentAt,
    long AuditPending,
    DateTimeOffset? LastCheckpointAt,
    IReadOnlyDictionary<string, DateTimeOffset?> LastCosignatureAt)
{
    public long DeadLetters => Messages.GetValueOrDefault(("outbound", "dead_letter"));
}
