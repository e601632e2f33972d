using System.Buffers;
using System.Data;
using System.Security.Cryptography;
using CrossBorder.Core.Crypto;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// An attachment's content as encrypted chunk rows, written and read one chunk at a time with SQL on the DbContext's
/// connection (never tracked, so a document is never whole in memory), in the caller's transaction when it has one.
/// Every chunk passes through buffers from <see cref="ArrayPool{T}.Shared"/>: a chunk is larger than the large-object
/// threshold, and an array per chunk made each node's memory grow with the document's size (issue 14's benchmark).
/// </summary>
public sealed class AttachmentChunks(NodeDbContext db)
{
    /// <summary>The associated-data column of one chunk: its attachment, index and whether it is the last.</summary>
    public static string Column(Guid attachmentId, int index, bool last) => $"attachment/{attachmentId:N}/{index}/{(last ? "last" : "more")}";

    public async Task WriteAsync(DataKey key, Guid attachmentId, int index, long offset, ReadOnlyMemory<byte> plaintext, bool last,
        CancellationToken ct)
    {
        var length = plaintext.Length + DataKey.Overhead;
        var sealedData = AttachmentBuffers.Pool.Rent(length);
        try
        {
            key.Seal(Column(attachmentId, index, last), plaintext.Span, sealedData.AsSpan(0, length));
            await using var connection = await ConnectionAsync(ct);
            await using var command = connection.Command("""
                INSERT INTO attachment_chunks (attachment_id, chunk_index, plain_offset, ciphertext) VALUES ($1, $2, $3, $4)
                """);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachmentId });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = offset });
            // A slice of the pooled buffer: Npgsql writes it as it is, no array of its own.
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>
                { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = sealedData.AsMemory(0, length) });
            await command.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            AttachmentBuffers.Pool.Return(sealedData);
        }
    }

    /// <summary>
    /// The chunks in order from the one holding byte <paramref name="from"/>, decrypted, each with its offset; one query
    /// per chunk, on a connection held only for that query. A chunk's plaintext lives in a pooled buffer that the next one reuses: use it before moving on, never
    /// keep it. Throws <see cref="CryptographicException"/> when a chunk was changed, moved or the last one is missing.
    /// </summary>
    public async IAsyncEnumerable<(long Offset, ReadOnlyMemory<byte> Plaintext)> ReadAsync(DataKey key, Attachment attachment, long from,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // The connection goes back to the pool before each chunk is handed out: the caller sends it to the peer, and a pooled
        // connection held across a call to the peer is a hold-and-wait between the nodes (docs/architecture.md, "Locks").
        int first;
        await using (var connection = await ConnectionAsync(ct))
        await using (var command = connection.Command("""
            SELECT coalesce(max(chunk_index), 0) FROM attachment_chunks WHERE attachment_id = $1 AND plain_offset <= $2
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachment.Id });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
            first = (int)(await command.ExecuteScalarAsync(ct))!;
        }
        byte[] sealedData = [];
        byte[] plaintext = [];
        try
        {
            long expected = -1;
            for (var index = first; index < attachment.ChunkCount; index++)
            {
                long offset;
                int sealedLength;
                await using (var connection = await ConnectionAsync(ct))
                await using (var command = connection.Command("""
                    SELECT plain_offset, octet_length(ciphertext), ciphertext FROM attachment_chunks
                    WHERE attachment_id = $1 AND chunk_index = $2
                    """))
                {
                    command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachment.Id });
                    command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
                    await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct);
                    if (!await reader.ReadAsync(ct))
                        throw new CryptographicException($"Chunk {index} of the attachment is missing.");
                    // Awaited, each column: in sequential access a row's columns may still be on the wire after ReadAsync.
                    offset = await reader.GetFieldValueAsync<long>(0, ct);
                    sealedLength = await reader.GetFieldValueAsync<int>(1, ct);
                    if (sealedLength < DataKey.Overhead || sealedLength > AttachmentOptions.MaxChunkBytes + DataKey.Overhead)
                        throw new CryptographicException($"Chunk {index} of the attachment has an impossible length.");
                    Grow(ref sealedData, sealedLength, clear: false);
                    // Sequential access: the bytes go from the connection's buffer into ours, with no array in between.
                    // Read asynchronously: a synchronous read here waits for a socket event that, with socket completions
                    // run inline (Hosting/SocketCompletions), only the very thread it blocks would deliver.
                    await using var column = await reader.GetStreamAsync(2, ct);
                    try { await column.ReadExactlyAsync(sealedData.AsMemory(0, sealedLength), ct); }
                    catch (EndOfStreamException) { throw new CryptographicException($"Chunk {index} of the attachment is truncated."); }
                }
                if (expected >= 0 && offset != expected)
                    throw new CryptographicException($"Chunk {index} of the attachment is not where the previous one ends.");
                Grow(ref plaintext, sealedLength - DataKey.Overhead, clear: true);
                var length = key.Open(Column(attachment.Id, index, index == attachment.ChunkCount - 1),
                    sealedData.AsSpan(0, sealedLength), plaintext);
                expected = offset + length;
                yield return (offset, plaintext.AsMemory(0, length));
            }
            if (expected >= 0 && expected != attachment.SizeBytes)
                throw new CryptographicException("The attachment's chunks do not add up to its size.");
        }
        finally
        {
            if (sealedData.Length > 0) AttachmentBuffers.Pool.Return(sealedData);
            // A document's plaintext does not linger in a shared pool.
            if (plaintext.Length > 0) AttachmentBuffers.Pool.Return(plaintext, clearArray: true);
        }
    }

    private static void Grow(ref byte[] buffer, int length, bool clear)
    {
        if (buffer.Length >= length)
            return;
        if (buffer.Length > 0)
            AttachmentBuffers.Pool.Return(buffer, clear);
        buffer = AttachmentBuffers.Pool.Rent(length);
    }

    /// <summary>The DbContext's connection, opened for the caller when it was closed, and its current transaction.</summary>
    private async Task<Lease> ConnectionAsync(CancellationToken ct)
    {
        var opened = db.Database.GetDbConnection().State != ConnectionState.Open;
        if (opened)
            await db.Database.OpenConnectionAsync(ct);
        return new Lease(db, opened);
    }

    private sealed class Lease(NodeDbContext db, bool opened) : IAsyncDisposable
    {
        public NpgsqlCommand Command(string sql) => new(sql, (NpgsqlConnection)db.Database.GetDbConnection())
        {
            Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction(),
        };

        public async ValueTask DisposeAsync()
        {
            if (opened)
                await db.Database.CloseConnectionAsync();
        }
    }
}
