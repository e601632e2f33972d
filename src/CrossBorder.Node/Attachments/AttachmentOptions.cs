using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Attachments;

/// <summary>Bounds of the documents a case may carry (issue 14).</summary>
public sealed class AttachmentOptions
{
    public const string Section = "Attachments";

    /// <summary>Largest document accepted, in bytes (upload 413 beyond; the peer refuses a larger transfer the same way).</summary>
    [Range(1024, 1L << 31)]
    public long MaxBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>
    /// Most documents one case holds, both nodes' together, as this node counts at upload (413 beyond). A document the peer
    /// took is never refused by count, so two nodes uploading at once can pass it a little; at most 100 here keeps a case's
    /// list within the 200 items its schema allows whatever both nodes set. Also the most transfers of one case that may
    /// arrive at once from the peer.
    /// </summary>
    [Range(1, 100)]
    public int MaxPerReferral { get; set; } = 20;

    /// <summary>
    /// Size of a stored chunk, and of one transfer request to the peer: what an upload, a download or a transfer holds in
    /// memory at a time, and what a broken transfer sends again at most.
    /// </summary>
    [Range(1024, MaxChunkBytes)]
    public int ChunkBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// A peer's transfer that has not moved for this long (no range arrived, no message named it) is abandoned: its
    /// received bytes are removed. Until then a broken transfer resumes where it stopped. A transfer in progress never
    /// counts as a document toward <see cref="MaxPerReferral"/>, so abandoned ones cannot fill a case.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often each replica looks for abandoned transfers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan AbandonedCheckEvery { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The largest transfer request a node takes (so any peer's <see cref="ChunkBytes"/> fits).</summary>
    public const int MaxChunkBytes = 1024 * 1024;
}
