using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Exchange;

/// <summary>Timing of delivery to peers and of the checks on what peers deliver.</summary>
public sealed class ExchangeOptions
{
    public const string Section = "Exchange";

    /// <summary>First outbox back-off after a failed attempt; doubles per attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Ceiling of the outbox back-off: during a long outage each message is tried at least this often (and all
    /// of them at once as soon as one gets through).
    /// </summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a claim holds, by the database clock. The claiming replica renews it every third of this while
    /// it sends, so after a replica dies its messages go out from another one within about this much.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages one replica sends at once (it claims only as many as it has free slots).</summary>
    [Range(1, 1000)]
    public int MaxParallelSends { get; set; } = 16;

    /// <summary>
    /// Messages one replica sends at once while its ministry API is busy (<see cref="Http.WriteLimiter.Busy"/>): the
    /// ministries' writes come first, delivery goes on at this pace and at <see cref="MaxParallelSends"/> again once the
    /// writes ease. On a node that shares two cores with its database and its peer, every send (its claim, the peer's
    /// work to receive it, the receipt's transaction) takes CPU from the writes the ministries wait on.
    /// </summary>
    [Range(1, 1000)]
    public int ParallelSendsWhileBusy { get; set; } = 2;

    /// <summary>
    /// The longest stretch the outbox defers to busy writes: after this long busy without a pause, it sends
    /// <see cref="MaxParallelSends"/> at once again until the writes ease. A burst is accepted first and delivered right
    /// after; a load that lasts (a back office's bulk import) does not leave the peer a growing backlog to wait for.
    /// Zero turns the deferral off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxBusyDeferral { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts after which a message that keeps failing for a reason of its own is dead-lettered.</summary>
    [Range(1, 1000)]
    public int PoisonAttempts { get; set; } = 5;

    /// <summary>
    /// The shortest time between two claims that a commit or a finished send wakes: the messages queued within it are
    /// claimed together, one write and one commit for all of them, instead of a claim each. A message queued after a
    /// quiet spell is claimed at once; under load a message waits at most about this much more. Zero: a claim per
    /// wake-up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinClaimInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Fallback poll when no notification arrives (retries fall due without one).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most rows claimed by one claim query.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 64;

    /// <summary>Per-attempt HTTP timeout towards the peer.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the circuit to a failing peer stays open before a trial request.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Accepted clock difference between nodes for message and token times.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Oldest <c>sentAt</c> accepted: a message queued through a longer outage needs an operator.</summary>
    public TimeSpan MaxMessageAge { get; set; } = TimeSpan.FromDays(30);
}
