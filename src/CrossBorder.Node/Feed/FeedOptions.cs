using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Feed;

/// <summary>How quickly committed changes appear in the ministry change feed.</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>
    /// How often the sequencing replica looks for events committed on other replicas (its own commits wake it
    /// at once). The feed lags a commit by at most about this much.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The shortest time between two rounds that a commit wakes: the events committed within it are numbered by one
    /// statement, not one each. At a steady 200 creates a second FR ran a round for nearly every commit (1.1 an
    /// exchange), each a statement and a commit of its own; spaced (with <c>Exchange:MinClaimInterval</c>), an exchange
    /// cost the machine about a sixth less CPU (docs/architecture.md, "What one exchange costs"). A commit after a quiet
    /// spell is numbered at once; under load the feed lags a commit by at most about this much more.
    /// Zero: a round per wake-up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinRoundInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a replica that is not sequencing checks whether the sequencing replica is gone.</summary>
    public TimeSpan StandbyInterval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;
}
