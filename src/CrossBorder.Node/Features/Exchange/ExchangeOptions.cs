using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Features.Exchange;

/// <summary>Timing of delivery to peers and of the checks on what peers deliver.</summary>
public sealed class ExchangeOptions
{
    public const string Section = "Exchange";

    /// <summary>First outbox back-off after a failed attempt; doubles per attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Ceiling of the outbox back-off: during a long outage the peer is tried at least this often.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a claimed row is reserved for one dispatcher before another may take it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Fallback poll when no notification arrives (retries fall due without one).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(1, 200)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Per-attempt HTTP timeout towards the peer.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the circuit to a failing peer stays open before a trial request.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Accepted clock difference between nodes for message and token times.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Oldest <c>sentAt</c> accepted: a message queued through a longer outage needs an operator.</summary>
    public TimeSpan MaxMessageAge { get; set; } = TimeSpan.FromDays(30);
}
