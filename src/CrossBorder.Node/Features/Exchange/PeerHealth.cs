using System.Collections.Concurrent;

namespace CrossBorder.Node.Features.Exchange;

/// <summary>Which peers this replica last found unavailable, so the first success after an outage can wake the backlog.</summary>
public sealed class PeerHealth
{
    private readonly ConcurrentDictionary<string, bool> _failing = new();

    public void Failed(string peer) => _failing[peer] = true;

    /// <summary>Records a success; true when the peer was failing until now.</summary>
    public bool Recovered(string peer) => _failing.TryRemove(peer, out _);
}
