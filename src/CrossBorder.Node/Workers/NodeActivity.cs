namespace CrossBorder.Node.Workers;

/// <summary>
/// How much the node has done: requests taken (counted before anything else runs) and outbox messages sent (each
/// attempt), for workers that wait for a quiet node.
/// </summary>
public sealed class NodeActivity
{
    private long _requests, _messages;

    /// <summary>Requests taken and messages sent, together.</summary>
    public long Count => Interlocked.Read(ref _requests) + Interlocked.Read(ref _messages);

    /// <summary>Outbox send attempts, delivered or not.</summary>
    public long MessagesSent => Interlocked.Read(ref _messages);

    public void RequestArrived() => Interlocked.Increment(ref _requests);

    public void MessageSent() => Interlocked.Increment(ref _messages);
}
