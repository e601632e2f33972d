using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Referrals;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// What an <c>attachment.added</c> message means (<see cref="IDocumentMessages"/>). At the receiver: the content must
/// already be here in full, and its SHA-256, size and type must be what the signed message says, read back chunk by
/// chunk, before the message is taken and receipted; a mismatch drops the received bytes (the sender's re-drive sends
/// them again). At the sender: the peer's receipt dates the delivery.
/// </summary>
public sealed class PeerAttachments(NodeDbContext db, NodeKeys keys, AttachmentChunks chunks, NpgsqlDataSource dataSource,
    CaseLifecycle lifecycle, ILogger<PeerAttachments> log) : IDocumentMessages
{
    public bool Handles(string messageType) => messageType == AttachmentMessages.Added;

    public async Task<ApplyResult> ApplyAsync(Referral referral, MessageEnvelope envelope, DateTimeOffset now, CancellationToken ct)
    {
        AttachmentAdded? added;
        try { added = envelope.Body.Deserialize<AttachmentAdded>(ExchangeJson.Options); }
        catch (JsonException) { added = null; }
        if (added is null || !ContentCheck.MediaTypes.Contains(added.MediaType) || added.Size <= 0 || added.Sha256 is not { Length: 43 })
            return ApplyResult.Fail(Problems.MessageInvalid, "The body is not an attachment.added body.");

        var row = await db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == added.AttachmentId, ct);
        if (row is null || row.ReferralId != referral.Id || row.Origin != AttachmentOrigins.Peer || row.State != AttachmentStates.Receiving
            || row.ReceivedBytes != row.SizeBytes)
            return ApplyResult.Fail(Problems.AttachmentContentMissing, "Transfer the content before the message.");

        var check = new ContentCheck(added.MediaType);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var key = keys.Cipher.OpenDataKey(referral.WrappedDataKey, referral.Id);
            await foreach (var (_, plaintext) in chunks.ReadAsync(key, row, 0, ct))
            {
                sha.AppendData(plaintext.Span);
                check.Append(plaintext.Span);
            }
        }
        catch (CryptographicException)
        {
            return await RefuseAsync(row, "The stored content does not open.", ct);
        }
        var digest = Base64Url.EncodeToString(sha.GetHashAndReset());
        if (digest != added.Sha256 || row.SizeBytes != added.Size)
            return await RefuseAsync(row, "The content's SHA-256 or size is not the one the signed message names.", ct);
        if (check.Finish() is { } invalid)
            return await RefuseAsync(row, invalid, ct);

        // Not locked while read (a refusal deletes it on another connection): taken only as it was checked, complete and
        // with the chunks read above; removed meanwhile as abandoned (or removed and begun again), it is not taken.
        if (await db.Database.ExecuteSqlAsync($"""
                UPDATE attachments SET state = {AttachmentStates.Stored}, media_type = {added.MediaType}, sha256 = {digest},
                                       message_id = {envelope.Id}, step_message_id = {added.Step}
                WHERE id = {row.Id} AND state = {AttachmentStates.Receiving} AND size_bytes = {added.Size}
                  AND received_bytes = size_bytes AND chunk_count = {row.ChunkCount} AND created_at = {row.CreatedAt}
                """, ct) == 0)
            return ApplyResult.Fail(Problems.AttachmentContentMissing, "Transfer the content before the message.");
        lifecycle.Publish(referral, FeedEventTypes.AttachmentReceived, envelope.Id, null, row.Id.ToString());
        log.LogInformation("Attachment {AttachmentId} of referral {ReferralId} received in full and matches its message {MessageId}",
            row.Id, referral.Id, envelope.Id);
        return new ApplyResult(referral, false, null, null, now.TruncateToMilliseconds());
    }

    /// <summary>
    /// Drops what was received, on a connection of its own (the exchange's transaction rolls back): a re-drive of the
    /// message transfers the content again from its first byte.
    /// </summary>
    private async Task<ApplyResult> RefuseAsync(Attachment row, string detail, CancellationToken ct)
    {
        log.LogWarning("Security event: attachment {AttachmentId} of referral {ReferralId} does not match its signed message; received bytes dropped",
            row.Id, row.ReferralId);
        await db.RollBackBeforeOwnConnectionAsync(ct); // the exchange's transaction would roll back anyway
        await using var batch = dataSource.CreateBatch();
        foreach (var sql in new[]
                 {
                     "DELETE FROM attachment_chunks WHERE attachment_id = $1",
                     "DELETE FROM attachments WHERE id = $1 AND state = 'receiving'",
                 })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = row.Id });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        return ApplyResult.Fail(Problems.AttachmentDigestMismatch, detail);
    }

    public Task ReceiptStoredAsync(Referral referral, ExchangeMessage message, DateTimeOffset receivedAt, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"UPDATE attachments SET delivered_at = {receivedAt} WHERE message_id = {message.Id}", ct);
}
