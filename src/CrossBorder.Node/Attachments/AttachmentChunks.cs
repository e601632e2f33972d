using System.Security.Cryptography;
using CrossBorder.Core.Crypto;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// An attachment's content as encrypted chunk rows, written and read one chunk at a time with SQL (never tracked by the
/// DbContext, so a document is never whole in memory), in the caller's transaction when it has one.
/// </summary>
public sealed class AttachmentChunks(NodeDbContext db)
{
    /// <summary>The associated-data column of one chunk: its attachment, index and whether it is the last.</summary>
    public static string Column(Guid attachmentId, int index, bool last) => $"attachment/{attachmentId:N}/{index}/{(last ? "last" : "more")}";

    public async Task WriteAsync(DataKey key, Guid attachmentId, int index, long offset, ReadOnlyMemory<byte> plaintext, bool last,
        CancellationToken ct)
    {
        var ciphertext = key.Seal(Column(attachmentId, index, last), plaintext.Span);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO attachment_chunks (attachment_id, chunk_index, plain_offset, ciphertext)
            VALUES ({attachmentId}, {index}, {offset}, {ciphertext})
            """, ct);
    }

    /// <summary>
    /// The chunks in order from the one holding byte <paramref name="from"/>, decrypted, each with its offset; one query
    /// per chunk. Throws <see cref="CryptographicException"/> when a chunk was changed, moved or the last one is missing.
    /// </summary>
    public async IAsyncEnumerable<(long Offset, byte[] Plaintext)> ReadAsync(DataKey key, Attachment attachment, long from,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var first = await db.Database.SqlQuery<int>($"""
            SELECT coalesce(max(chunk_index), 0) AS "Value" FROM attachment_chunks
            WHERE attachment_id = {attachment.Id} AND plain_offset <= {from}
            """).SingleAsync(ct);
        long expected = -1;
        for (var index = first; index < attachment.ChunkCount; index++)
        {
            var row = await db.Database.SqlQuery<ChunkRow>($"""
                SELECT plain_offset AS "Offset", ciphertext AS "Ciphertext" FROM attachment_chunks
                WHERE attachment_id = {attachment.Id} AND chunk_index = {index}
                """).SingleOrDefaultAsync(ct) ?? throw new CryptographicException($"Chunk {index} of the attachment is missing.");
            if (expected >= 0 && row.Offset != expected)
                throw new CryptographicException($"Chunk {index} of the attachment is not where the previous one ends.");
            var plaintext = key.Open(Column(attachment.Id, index, index == attachment.ChunkCount - 1), row.Ciphertext);
            expected = row.Offset + plaintext.Length;
            yield return (row.Offset, plaintext);
        }
        if (expected >= 0 && expected != attachment.SizeBytes)
            throw new CryptographicException("The attachment's chunks do not add up to its size.");
    }

    public sealed record ChunkRow(long Offset, byte[] Ciphertext);
}
