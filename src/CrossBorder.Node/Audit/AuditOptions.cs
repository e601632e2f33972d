using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Audit;

/// <summary>Timing of the audit log's sequencer, checkpoints and witnessing.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// How often, at most, the sequencer signs a checkpoint when the log grew, and sends it to the peer for
    /// cosigning. Default 5 s: an entry is provably in the log and cosigned within seconds, while an idle node signs
    /// nothing. It is also the sequencer's poll when no commit of this replica wakes it (another replica's entries).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Least time between two of the sequencer's rounds while commits keep waking it. Default 100 ms: under a steady
    /// stream of writes the log's work comes in small rounds beside the requests (a tenth of a second's entries each)
    /// instead of one round of five seconds' entries that holds a core for a few hundred milliseconds and queues the
    /// requests behind it. An entry gets its index within about this long; checkpoints keep their own pace.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan SequenceInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Pending entries sequenced per transaction; a backlog is worked off batch after batch.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;
}
