using System.Buffers.Text;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Referrals;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Attachments;

/// <summary>The ministry API of a case's documents: upload, list (metadata and digests), download (an audited read).</summary>
public static class AttachmentEndpoints
{
    public const string UploadOperationId = "UploadAttachment";
    public const string ListOperationId = "ListAttachments";
    public const string DownloadOperationId = "DownloadAttachment";

    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/referrals/{id:guid}/attachments").WithTags("Attachments").WithGroupName(ApiDocuments.Ministry);

        group.MapPost("/", UploadAttachment.HandleAsync)
            .WithName(UploadOperationId)
            .WithSummary("Attach a document (PDF, JPEG or PNG) to the referral, or to one of its steps")
            .WithDescription("The body is the document itself, streamed, with its media type as `Content-Type`; no file name or description is taken (either may name the child). " +
                "The node checks the content, not only its first bytes (PDF: `%PDF-` header and `%%EOF` in the last KiB; JPEG: start and end-of-image markers; PNG: signature, IHDR first, every chunk's CRC, IEND last): " +
                "a document that is not what `Content-Type` says is refused with 415 (CB0402). At most `Attachments:MaxBytes` (25 MiB by default; 413, CB0007) and `Attachments:MaxPerReferral` documents per case (20 by default; 413, CB0401). " +
                "The document is stored encrypted under the case's data key and its SHA-256 is sent to the peer in a signed `attachment.added` message, queued in the same transaction; the content follows it to the peer, resumably. " +
                "`step` names the step the document belongs to by that step's `messageId` (see `history` on the referral). Requires an `Idempotency-Key`: the same key with the same document replays the first answer.")
            .Accepts<byte[]>(ContentCheck.Pdf, ContentCheck.Jpeg, ContentCheck.Png)
            .Produces<AttachmentView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireIdempotencyKey()
            .RequireAuthorization(Scopes.ReferralsWrite);

        group.MapGet("/", ListAsync)
            .WithName(ListOperationId)
            .WithSummary("List the referral's documents with their digests (metadata only)")
            .WithDescription("Every complete document of the case, uploaded here or received from the peer, oldest first: media type, size, SHA-256 (base64url, as in the signed `attachment.added` message), origin and state. " +
                "No content and no personal data. After an erasure the documents stay listed with `state: erased`: their digests remain evidence.")
            .RequireAuthorization(Scopes.ReferralsRead);

        group.MapGet("/{attachmentId:guid}", DownloadAsync)
            .WithName(DownloadOperationId)
            .WithSummary("Download one document, streamed")
            .WithDescription("The document as uploaded, with `Content-Type`, `Content-Length` and `Repr-Digest` (RFC 9530: `sha-256=:<base64>:`, the digest the signed message names). " +
                "The read is recorded in the audit log, with the purpose given in `X-Purpose`. 410 once the case was erased.")
            .WithMetadata(new PersonalDataRead())
            .Produces(StatusCodes.Status200OK, typeof(byte[]), ContentCheck.Pdf, ContentCheck.Jpeg, ContentCheck.Png)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(Scopes.ReferralsRead);
        return app;
    }

    public static AttachmentView View(Attachment a) => new(a.Id, a.ReferralId, a.MediaType!, a.SizeBytes, a.Sha256!, a.Origin, a.State,
        a.StepMessageId, a.MessageId, a.CreatedAt, a.DeliveredAt,
        new AttachmentLinks($"/api/v1/referrals/{a.ReferralId}/attachments/{a.Id}", $"/api/v1/referrals/{a.ReferralId}/attachments/{a.Id}"));

    private static async Task<Results<Ok<AttachmentList>, ProblemHttpResult>> ListAsync(Guid id, HttpContext http, NodeDbContext db,
        CancellationToken ct)
    {
        if (!await db.Referrals.AnyAsync(r => r.Id == id, ct))
            return Problems.NoSuchReferral(http);
        var rows = await db.Attachments.AsNoTracking().Where(a => a.ReferralId == id && a.State != AttachmentStates.Receiving)
            .OrderBy(a => a.Id).ToListAsync(ct);
        return TypedResults.Ok(new AttachmentList(rows.Select(View).ToList()));
    }

    private static async Task<IResult> DownloadAsync(Guid id, Guid attachmentId, HttpContext http, NodeDbContext db, NodeKeys keys,
        AttachmentChunks chunks, AuditLog audit, ILogger<AttachmentChunks> log, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (referral is null)
            return Problems.NoSuchReferral(http);
        if (referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        var attachment = await db.Attachments.AsNoTracking()
            .SingleOrDefaultAsync(a => a.Id == attachmentId && a.ReferralId == id && a.State == AttachmentStates.Stored, ct);
        if (attachment is null)
            return Problems.NotFound.Result(http, "No such document on this referral (a peer's document is listed once it arrived in full).");
        var purpose = Purpose.Read(http, out var invalidPurpose);
        if (invalidPurpose is not null)
            return invalidPurpose;
        await audit.PersonalDataReadAsync(http.User.ClientId(), id, purpose, $"attachment {attachmentId}", ct);

        var response = http.Response;
        response.ContentType = attachment.MediaType;
        response.ContentLength = attachment.SizeBytes;
        response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Base64Url.DecodeFromChars(attachment.Sha256))}:";
        response.Headers.ContentDisposition = "attachment";
        response.Headers.CacheControl = "no-store";
        using var key = keys.Cipher.OpenDataKey(referral.WrappedDataKey, referral.Id);
        try
        {
            // A caller that left stops the download between chunks (and its write): no statement is cancelled mid-flight.
            var callerGone = UnitsRunToTheEnd.CallerGone(http);
            await foreach (var (_, plaintext) in chunks.ReadAsync(key, attachment, 0, ct))
            {
                if (callerGone.IsCancellationRequested)
                    break;
                await response.Body.WriteAsync(plaintext, callerGone);
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Headers are sent: the connection is cut, so the client sees a short body, never a wrong one.
            log.LogError("Attachment {AttachmentId} of referral {ReferralId} does not decrypt", attachmentId, id);
            http.Abort();
        }
        return Results.Empty;
    }
}
