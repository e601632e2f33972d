using System.Collections.Concurrent;

namespace CrossBorder.Node.Peers;

/// <summary>
/// What this replica knows about each peer right now: whether it last failed (so the first success after an
/// outage wakes the backlog) and until when sending to it is paused (its open circuit, a 429's Retry-After),
/// so the dispatcher does not claim messages only to fail them at once.
/// </summary>
public sealed class PeerHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, bool> _failing = new();
    private readonly ConcurrentDictionary<string, long> _pausedUntil = new(); // the peer's 429 Retry-After
    private readonly ConcurrentDictionary<string, long> _heldUntil = new(); // the open circuit
    private readonly ConcurrentDictionary<string, long> _lastProbe = new();
    private readonly Lock _circuit = new();
    private readonly Dictionary<string, long> _circuitGeneration = new(); // under _circuit

    public void Failed(string peer) => _failing[peer] = true;

    /// <summary>Claims nothing for <paramref name="peer"/> for <paramref name="duration"/>: the peer's Retry-After.</summary>
    public void Pause(string peer, TimeSpan duration) => _pausedUntil[peer] = Until(duration);

    /// <summary>How many times the peer's circuit has closed; read before a send, so its hold can tell it came too late.</summary>
    public long CircuitGeneration(string peer)
    {
        lock (_circuit)
            return _circuitGeneration.GetValueOrDefault(peer);
    }

    /// <summary>
    /// Claims nothing for <paramref name="peer"/> for the open circuit's remaining break, unless the circuit closed since
    /// the send began (<paramref name="generation"/>): a call refused by the half-open circuit may come back after the
    /// call it yielded to closed it, and would otherwise hold the peer for a break although it is back.
    /// </summary>
    public void Hold(string peer, TimeSpan duration, long generation)
    {
        lock (_circuit)
        {
            if (generation == _circuitGeneration.GetValueOrDefault(peer))
                _heldUntil[peer] = Until(duration);
        }
    }

    private long Until(TimeSpan duration) => time.GetTimestamp() + (long)(duration.TotalSeconds * time.TimestampFrequency);

    /// <summary>Peers not to claim messages for now.</summary>
    public string[] Paused()
    {
        if (_pausedUntil.IsEmpty && _heldUntil.IsEmpty) return [];
        var now = time.GetTimestamp();
        return [.. _pausedUntil.Concat(_heldUntil).Where(p => p.Value > now).Select(p => p.Key).Distinct()];
    }

    /// <summary>Failing peers that are not paused: the dispatcher sends them one message at a time until one gets through.</summary>
    public string[] Probing()
    {
        if (_failing.IsEmpty) return [];
        var paused = Paused();
        return [.. _failing.Keys.Where(peer => !paused.Contains(peer))];
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

    /// <summary>
    /// The peer's circuit closed: a call got through (perhaps not a delivery). If it is failing, it is owed a probe now,
    /// not one break after the last: a delivery that lost the half-open circuit's one call to another caller was held,
    /// and would otherwise wait that long although the peer is back. Every peer has its own circuit; the others' holds stay.
    /// </summary>
    public void CircuitClosed(string peer)
    {
        lock (_circuit)
        {
            _circuitGeneration[peer] = _circuitGeneration.GetValueOrDefault(peer) + 1;
            _heldUntil.TryRemove(peer, out _);
        }
        _lastProbe.TryRemove(peer, out _);
    }

    /// <summary>Records a success; true when the peer was failing until now.</summary>
    public bool Recovered(string peer)
    {
        _pausedUntil.TryRemove(peer, out _);
        return Reachable(peer);
    }

    /// <summary>
    /// The peer answered, though not with a receipt (a 429, a refusal): it is up, so it is no longer sent one message at
    /// a time. A 429's Retry-After stays. True when the peer was failing until now.
    /// </summary>
    public bool Reachable(string peer)
    {
        _heldUntil.TryRemove(peer, out _);
        return _failing.TryRemove(peer, out _);
    }

    /// <summary>Whether sending to the peer was paused since its last success (tests: which answers pause a peer).</summary>
    internal bool PausedSinceLastSuccess(string peer) => _pausedUntil.ContainsKey(peer) || _heldUntil.ContainsKey(peer);

    /// <summary>For metrics: 0 closed (not failing), 1 half-open (failing, probed), 2 open (failing and paused).</summary>
    public int BreakerState(string peer) => !_failing.ContainsKey(peer) ? 0 : Paused().Contains(peer) ? 2 : 1;

    /// <summary>For the operator's console (issue 15): whether the peer is failing, and until when sending to it is paused.</summary>
    public (bool Failing, DateTimeOffset? PausedUntil) StateOf(string peer)
    {
        var now = time.GetTimestamp();
        var until = Math.Max(_pausedUntil.GetValueOrDefault(peer), _heldUntil.GetValueOrDefault(peer));
        DateTimeOffset? paused = until > now
            ? time.GetUtcNow().AddSeconds((until - now) / (double)time.TimestampFrequency)
            : null;
        return (_failing.ContainsKey(peer), paused);
    }
}
