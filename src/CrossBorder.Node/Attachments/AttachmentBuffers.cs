using System.Buffers;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// The buffers documents pass through, chunk by chunk (upload, chunk store, transfer, the peer's ranges, downloads). One
/// pool of the process rather than <see cref="ArrayPool{T}.Shared"/>: the shared pool keeps arrays per thread and per
/// core, so a busy node (more pool threads) took new chunk-sized arrays onto the large-object heap as it grew; this one
/// hands the same few arrays to whichever thread needs one, so a node's memory does not grow with its load or a
/// document's size.
/// </summary>
public static class AttachmentBuffers
{
    /// <summary>A chunk and its AES-GCM nonce and tag fit; at most 32 arrays of a size are kept.</summary>
    public static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(2 * AttachmentOptions.MaxChunkBytes, 32);
}
