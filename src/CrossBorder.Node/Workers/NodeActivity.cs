namespace CrossBorder.Node.Workers;

/// <summary>
/// How much the node has done: requests taken (counted before anything else runs), outbox messages sent (each
/// attempt) and audit entries sequenced into the log, for workers that wait for a quiet node.
/// </summary>
public sealed class NodeActivity
{
    private long _requests, _messages, _auditEntries;

    /// <summary>Requests taken, messages sent and audit entries sequenced, together.</summary>
    public long Count => Interlocked.Read(ref _requests) + Interlocked.Read(ref _messages) + Interlocked.Read(ref _auditEntries);

    /// <summary>Outbox send attempts, delivered or not.</summary>
    public long MessagesSent => Interlocked.Read(ref _messages);

    public void RequestArrived() => Interlocked.Increment(ref _requests);

    public void MessageSent() => Interlocked.Increment(ref _messages);

    /// <summary>
    /// Audit entries the sequencer moved into the log. It runs every <c>Audit:CheckpointInterval</c> (5 s), so after a
    /// burst its last, largest round may come seconds after the last request or send.
    /// </summary>
    public long AuditEntriesSequenced => Interlocked.Read(ref _auditEntries);

    public void AuditSequenced(int entries) => Interlocked.Add(ref _auditEntries, entries);
}
