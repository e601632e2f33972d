using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Audit;

/// <summary>Timing of the audit log's sequencer, checkpoints and witnessing.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// How often the sequencer moves committed pending entries into the log and, when the log grew, signs a
    /// checkpoint and sends it to the peer for cosigning. Default 5 s: an entry is provably in the log and
    /// cosigned within seconds, while an idle node signs nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pending entries sequenced per transaction; a backlog is worked off batch after batch.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;
}
