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

    /// <summary>How often a replica that is not sequencing checks whether the sequencing replica is gone.</summary>
    public TimeSpan StandbyInterval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;
}
