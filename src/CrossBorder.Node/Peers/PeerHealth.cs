using System.Collections.Concurrent;

namespace CrossBorder.Node.Peers;

/// <summary>
/// What this replica knows about each peer right now: whether it last failed (so the first success after an
/// outage wakes the backlog) and until when sending to it is paused (an open circuit, a 429's Retry-After),
/// so the dispatcher does not claim messages only to fail them at once.
/// </summary>
public sealed class PeerHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, bool> _failing = new();
    private readonly ConcurrentDictionary<string, long> _pausedUntil = new();
    private readonly ConcurrentDictionary<string, long> _lastProbe = new();

    public void Failed(string peer) => _failing[peer] = true;

    public void Pause(string peer, TimeSpan duration) =>
        _pausedUntil[peer] = time.GetTimestamp() + (long)(duration.TotalSeconds * time.TimestampFrequency);

    /// <summary>Peers not to claim messages for now.</summary>
    public string[] Paused()
    {
        if (_pausedUntil.IsEmpty) return [];
        var now = time.GetTimestamp();
        return [.. _pausedUntil.Where(p => p.Value > now).Select(p => p.Key)];
    }

    /// <summary>
    /// Failing peers that are owed a probe: not paused, and not probed within <paramref name="every"/>. The caller
    /// makes one waiting message due now, so a peer that is back is found within about one break, not at the end
    /// of each message's back-off.
    /// </summary>
    public string[] ProbesDue(TimeSpan every)
    {
        if (_failing.IsEmpty) return [];
        var now = time.GetTimestamp();
        var paused = Paused();
        var due = _failing.Keys.Where(peer => !paused.Contains(peer)
            && (!_lastProbe.TryGetValue(peer, out var last) || now - last >= every.TotalSeconds * time.TimestampFrequency)).ToArray();
        foreach (var peer in due) _lastProbe[peer] = now;
        return due;
    }

    /// <summary>Records a success; true when the peer was failing until now.</summary>
    public bool Recovered(string peer)
    {
        _pausedUntil.TryRemove(peer, out _);
        return _failing.TryRemove(peer, out _);
    }

    /// <summary>Whether sending to the peer was paused since its last success (tests: which answers pause a peer).</summary>
    internal bool PausedSinceLastSuccess(string peer) => _pausedUntil.ContainsKey(peer);

    /// <summary>For metrics: 0 closed (not failing), 1 half-open (failing, probed), 2 open (failing and paused).</summary>
    public int BreakerState(string peer) => !_failing.ContainsKey(peer) ? 0 : Paused().Contains(peer) ? 2 : 1;

    /// <summary>For the operator's console (issue 15): whether the peer is failing, and until when sending to it is paused.</summary>
    public (bool Failing, DateTimeOffset? PausedUntil) StateOf(string peer)
    {
        var now = time.GetTimestamp();
        DateTimeOffset? paused = _pausedUntil.TryGetValue(peer, out var until) && until > now
            ? time.GetUtcNow().AddSeconds((until - now) / (double)time.TimestampFrequency)
            : null;
        return (_failing.ContainsKey(peer), paused);
    }
}
