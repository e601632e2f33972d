namespace CrossBorder.Node.Data;

/// <summary>
/// One chunk of an attachment's content, AES-256-GCM under the case's data key; the associated data names the
/// attachment, the chunk's index and whether it is the last, so chunks cannot be swapped, reordered or cut off unnoticed.
/// Written and read with SQL one chunk at a time (never tracked: a document is never whole in memory).
/// </summary>
public sealed class AttachmentChunk
{
    public Guid AttachmentId { get; set; }
    public int ChunkIndex { get; set; }

    /// <summary>Offset of the chunk's first plaintext byte in the document.</summary>
    public long PlainOffset { get; set; }

    public required byte[] Ciphertext { get; set; }
}
