using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Referrals;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Attachments;

/// <summary>What the upload uses, bound with <c>[AsParameters]</c>.</summary>
public sealed record UploadServices(NodeDbContext Db, Idempotency Idempotency, Outbox Outbox, CaseLifecycle Lifecycle,
    AttachmentChunks Chunks, NodeKeys Keys, AuditLog Audit, IOptions<AttachmentOptions> Options, TimeProvider Time, ILogger<UploadServices> Log);

/// <summary>
/// <c>POST /api/v1/referrals/{id}/attachments</c>: the raw document streamed in, checked by content as it passes,
/// hashed and sealed chunk by chunk in one transaction that also adds the attachment row and queues the signed
/// <c>attachment.added</c> message; a refused or broken upload rolls back and leaves nothing.
/// </summary>
public static class UploadAttachment
{
    public static async Task<IResult> HandleAsync(Guid id, HttpContext http, Guid? step, [AsParameters] UploadServices s,
        CancellationToken ct)
    {
        var (db, idempotency, outbox, lifecycle, chunks, keys, audit, options, time, log) = s;
        var o = options.Value;
        var request = Idempotency.RequestOf(http);
        var mediaType = ContentCheck.MediaTypes.FirstOrDefault(m => RequestBody.HasMediaType(http.Request, m));
        if (mediaType is null)
            return Problems.UnsupportedMediaType.Result(http, "Send the document as application/pdf, image/jpeg or image/png.");
        if (http.Request.ContentLength > o.MaxBytes)
            return TooLarge(http, o);
        // This endpoint only: the server-wide bound (Http/HttpContract) is far below a document's; the count below enforces ours.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = o.MaxBytes + 1;

        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (referral is null)
            return Problems.NoSuchReferral(http);
        if (referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        if (await CountAsync(db, id, ct) >= o.MaxPerReferral)
            return LimitReached(http, o);
        if (step is { } stepId && !await db.Steps.AnyAsync(x => x.ReferralId == id && x.MessageId == stepId, ct))
            return Problems.ValidationResult(http, new Dictionary<string, string[]>
            {
                ["step"] = ["No step of this referral has this message id (see `history[].messageId` on the referral)."],
            });

        var attachmentId = Guid.CreateVersion7();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var check = new ContentCheck(mediaType);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var index = 0;
        // Two pooled buffers (a chunk is on the large-object heap: an array per upload made memory grow with traffic); a
        // full chunk is written once the next byte shows it is not the last (the last-chunk flag is sealed).
        var pending = AttachmentBuffers.Pool.Rent(o.ChunkBytes);
        var current = AttachmentBuffers.Pool.Rent(o.ChunkBytes);
        try
        {
            using var key = keys.Cipher.OpenDataKey(referral.WrappedDataKey, referral.Id);
            var pendingLength = 0;
            while (true)
            {
                var filled = 0;
                int read;
                while (filled < o.ChunkBytes && (read = await http.Request.Body.ReadAsync(current.AsMemory(filled, o.ChunkBytes - filled), ct)) > 0)
                {
                    filled += read;
                    if (size + filled > o.MaxBytes)
                        return TooLarge(http, o);
                }
                if (filled == 0)
                    break;
                if (pendingLength > 0)
                {
                    await chunks.WriteAsync(key, attachmentId, index++, size - pendingLength, pending.AsMemory(0, pendingLength), last: false, ct);
                }
                check.Append(current.AsSpan(0, filled));
                sha.AppendData(current.AsSpan(0, filled));
                size += filled;
                (pending, current, pendingLength) = (current, pending, filled);
                if (filled < o.ChunkBytes)
                    break; // a short fill is the end of the body
            }
            if (check.Finish() is { } invalid)
                return Problems.AttachmentContentInvalid.Result(http, invalid);
            await chunks.WriteAsync(key, attachmentId, index++, size - pendingLength, pending.AsMemory(0, pendingLength), last: true, ct);
        }
        finally
        {
            // The document's plaintext does not linger in a shared pool.
            AttachmentBuffers.Pool.Return(pending, clearArray: true);
            AttachmentBuffers.Pool.Return(current, clearArray: true);
        }
        var digest = Base64Url.EncodeToString(sha.GetHashAndReset());

        // The idempotency key covers the document by its digest, with its type and step (the body itself is not kept).
        var fingerprint = Encoding.UTF8.GetBytes($"{mediaType}\n{step}\n{digest}");
        if (await idempotency.BeginAsync(http, request, fingerprint, async replayId =>
                await db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == replayId, ct) is { } first
                    ? Created(http, first)
                    : Problems.NoSuchReferral(http), ct) is { } answered)
            return answered;

        // Row lock at the end only: a long upload never holds the case (lock order: the referral row first).
        var locked = await db.LockReferralAsync(id, ct)
            ?? throw new InvalidOperationException("The referral was read before this upload and is never deleted.");
        if (locked.ErasedAt is { } erasedMeanwhile)
            return Problems.ReferralErased(http, erasedMeanwhile);
        if (await CountAsync(db, id, ct) >= o.MaxPerReferral)
            return LimitReached(http, o);
        var now = time.GetUtcNow();
        var message = outbox.Queue(locked, AttachmentMessages.Added, new AttachmentAdded(attachmentId, mediaType, size, digest, step));
        var attachment = new Attachment
        {
            Id = attachmentId,
            ReferralId = id,
            Origin = AttachmentOrigins.Local,
            State = AttachmentStates.Stored,
            MediaType = mediaType,
            SizeBytes = size,
            Sha256 = digest,
            ChunkCount = index,
            ReceivedBytes = size,
            MessageId = message.Id,
            StepMessageId = step,
            CreatedBy = request.ClientId,
            CreatedAt = now,
        };
        db.Attachments.Add(attachment);
        audit.AttachmentUploaded(request.ClientId, id, message.Id, attachmentId, digest, size, mediaType);
        lifecycle.Publish(locked, FeedEventTypes.AttachmentAdded, message.Id, null, attachmentId.ToString());
        locked.Changed(now);
        idempotency.Complete(request, StatusCodes.Status201Created, attachmentId);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        log.LogInformation("Attachment {AttachmentId} of referral {ReferralId} stored ({Size} bytes, {Chunks} chunks), message {MessageId} queued",
            attachmentId, id, size, index, message.Id);
        return Created(http, attachment);
    }

    /// <summary>The case's documents: a peer's transfer still arriving is not one (it may be abandoned; see AbandonedTransfers).</summary>
    private static Task<int> CountAsync(NodeDbContext db, Guid referralId, CancellationToken ct) =>
        db.Attachments.CountAsync(a => a.ReferralId == referralId && a.State != AttachmentStates.Receiving, ct);

    private static IResult Created(HttpContext http, Attachment a)
    {
        var view = AttachmentEndpoints.View(a);
        return TypedResults.Created(view.Links.Self, view);
    }

    private static IResult TooLarge(HttpContext http, AttachmentOptions o) =>
        Problems.PayloadTooLarge.Result(http, $"A document is at most {o.MaxBytes} bytes.",
            new Dictionary<string, object?> { ["maxBytes"] = o.MaxBytes });

    private static IResult LimitReached(HttpContext http, AttachmentOptions o) =>
        Problems.AttachmentLimit.Result(http, $"A case holds at most {o.MaxPerReferral} documents.",
            new Dictionary<string, object?> { ["maxPerReferral"] = o.MaxPerReferral });
}
