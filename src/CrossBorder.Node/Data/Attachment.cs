namespace CrossBorder.Node.Data;

/// <summary>
/// A document of a case (PDF, JPEG or PNG): metadata in clear, the content in <see cref="AttachmentChunk"/> rows encrypted
/// under the case's data key. No file name or description is kept: either may name the child.
/// </summary>
public sealed class Attachment
{
    public Guid Id { get; set; }
    public Guid ReferralId { get; set; }

    /// <summary><c>local</c>: uploaded by a ministry system of this node; <c>peer</c>: received from the peer.</summary>
    public required string Origin { get; set; }

    /// <summary><see cref="AttachmentStates"/>.</summary>
    public required string State { get; set; }

    /// <summary>Null while a peer's transfer is still arriving (the signed message names it).</summary>
    public string? MediaType { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>base64url SHA-256 of the content, as in the signed <c>attachment.added</c> message; null while arriving.</summary>
    public string? Sha256 { get; set; }

    public int ChunkCount { get; set; }

    /// <summary>Bytes of the content held (a peer's transfer in progress resumes from here).</summary>
    public long ReceivedBytes { get; set; }

    /// <summary>The signed message that carries the digest: queued here (<c>local</c>) or received (<c>peer</c>).</summary>
    public Guid? MessageId { get; set; }

    /// <summary>The step the document belongs to, by the id of that step's signed message (the same on both nodes).</summary>
    public Guid? StepMessageId { get; set; }

    /// <summary>The client that uploaded it, or the peer's client id.</summary>
    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary><c>peer</c>: when the last range of the transfer arrived (database clock); an abandoned transfer is one whose
    /// last range is older than <c>Attachments:AbandonedAfter</c>.</summary>
    public DateTimeOffset? LastRangeAt { get; set; }

    /// <summary><c>local</c>: the time in the peer's signed receipt of the message.</summary>
    public DateTimeOffset? DeliveredAt { get; set; }
}

public static class AttachmentStates
{
    /// <summary>A peer's transfer is arriving; not listed, not readable.</summary>
    public const string Receiving = "receiving";

    /// <summary>Complete and checked.</summary>
    public const string Stored = "stored";

    /// <summary>The case was erased: metadata and digest remain, the content is gone.</summary>
    public const string Erased = "erased";
}

public static class AttachmentOrigins
{
    public const string Local = "local";
    public const string Peer = "peer";
}
