using System.Buffers;
using System.Net.Http.Headers;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// The peer's side of a document's transfer: <c>GET</c> says how many bytes this node holds, <c>PUT</c> adds the next
/// range (<c>Content-Range: bytes a-b/size</c>, starting exactly where the held bytes end), each range a chunk sealed
/// under this node's own data key of the case and committed on its own: a broken transfer continues, it does not
/// restart. The content is taken only once the signed <c>attachment.added</c> message names its digest (PeerAttachments).
/// </summary>
public static class AttachmentExchangeEndpoints
{
    public const string StatusOperationId = "GetAttachmentTransfer";
    public const string PutOperationId = "PutAttachmentContent";
    public const string Path = "/exchange/v1/referrals/{referralId:guid}/attachments/{attachmentId:guid}";

    public static string PathOf(Guid referralId, Guid attachmentId) => $"exchange/v1/referrals/{referralId}/attachments/{attachmentId}";

    public static IEndpointRouteBuilder MapAttachmentExchange(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, StatusAsync).WithTags("Exchange").WithGroupName(ApiDocuments.Exchange)
            .WithName(StatusOperationId)
            .WithSummary("How much of a document's content this node holds")
            .WithDescription("`received`: the bytes held, so the next `PUT` starts there (0 when nothing arrived yet); `size` once a transfer began.")
            .Produces<TransferState>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(Scopes.Exchange);

        app.MapPut(Path, PutAsync).WithTags("Exchange").WithGroupName(ApiDocuments.Exchange)
            .WithName(PutOperationId)
            .WithSummary("Add the next range of a document's content")
            .WithDescription("The body is the range's bytes (`application/octet-stream`, at most 1 MiB), `Content-Range: bytes a-b/size` says where it goes; `a` must be the `received` this node holds (409, CB0404, with the current `received`, otherwise). " +
                "Stored encrypted under this node's data key of the case. The document is taken only when the signed `attachment.added` message arrives and its SHA-256 matches (400, CB0405, otherwise: the received bytes are dropped, nothing is applied and no receipt is given; the sender dead-letters the message, and an operator's re-drive sends the content again from its first byte).")
            .Accepts<byte[]>("application/octet-stream")
            .Produces<TransferState>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(Scopes.Exchange);
        return app;
    }

    private static async Task<IResult> StatusAsync(Guid referralId, Guid attachmentId, HttpContext http, NodeDbContext db, CancellationToken ct)
    {
        if (await PartyAsync(http, db, referralId, ct) is { } refused)
            return refused;
        var row = await db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId && a.ReferralId == referralId, ct);
        return TypedResults.Ok(new TransferState(row?.ReceivedBytes ?? 0, row?.SizeBytes));
    }

    private static async Task<IResult> PutAsync(Guid referralId, Guid attachmentId, HttpContext http, NodeDbContext db, NodeKeys keys,
        AttachmentChunks chunks, IOptions<AttachmentOptions> options, CancellationToken ct)
    {
        var o = options.Value;
        if (!ContentRangeHeaderValue.TryParse(http.Request.Headers.ContentRange.ToString(), out var range)
            || range is not { Unit: "bytes", From: { } from, To: { } to, Length: { } size } || from > to || to >= size)
            return Problems.ValidationResult(http, new Dictionary<string, string[]> { ["Content-Range"] = ["Send Content-Range: bytes a-b/size."] });
        if (size > o.MaxBytes)
            return Problems.PayloadTooLarge.Result(http, $"A document is at most {o.MaxBytes} bytes on this node.");
        var length = (int)Math.Min(to - from + 1, int.MaxValue);
        if (length > AttachmentOptions.MaxChunkBytes)
            return Problems.PayloadTooLarge.Result(http, $"A range of a document is at most {AttachmentOptions.MaxChunkBytes} bytes.");
        if (!RequestBody.HasMediaType(http.Request, "application/octet-stream"))
            return Problems.UnsupportedMediaType.Result(http, "Send a range of a document as application/octet-stream.");
        // A pooled buffer of the range's length (a range is on the large-object heap: an array per request made memory grow
        // with the document's size); cleared on return, it held a document's plaintext.
        var body = AttachmentBuffers.Pool.Rent(length + 1);
        try
        {
            if (!await ReadExactlyAsync(http.Request.Body, body.AsMemory(0, length + 1), ct))
                return Problems.ValidationResult(http, new Dictionary<string, string[]> { ["Content-Range"] = ["The body's length is not the range's."] });
            return await StoreAsync(referralId, attachmentId, http, db, keys, chunks, o, from, to, size, body.AsMemory(0, length), ct);
        }
        finally
        {
            AttachmentBuffers.Pool.Return(body, clearArray: true);
        }
    }

    /// <summary>Fills <paramref name="into"/> from the body, which must end right there (one byte more is read to know).</summary>
    private static async Task<bool> ReadExactlyAsync(Stream body, Memory<byte> into, CancellationToken ct)
    {
        var filled = 0;
        int read;
        while (filled < into.Length && (read = await body.ReadAsync(into[filled..], ct)) > 0)
            filled += read;
        return filled == into.Length - 1;
    }

    private static async Task<IResult> StoreAsync(Guid referralId, Guid attachmentId, HttpContext http, NodeDbContext db, NodeKeys keys,
        AttachmentChunks chunks, AttachmentOptions o, long from, long to, long size, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await PartyAsync(http, db, referralId, ct) is { } refused)
            return refused;
        // The case row first (the one lock order), shared: an erasure (erase_referral takes it FOR UPDATE) waits for this
        // range or has happened; no range is written beside an erased case, and its data key is never opened destroyed.
        var referral = await db.Referrals.FromSql($"SELECT * FROM referrals WHERE id = {referralId} FOR SHARE").AsNoTracking()
            .SingleAsync(ct);
        if (referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        var peer = PeerIdentity.CountryOf(http.User.ClientId())!;
        var created = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO attachments (id, referral_id, origin, state, size_bytes, chunk_count, received_bytes, created_by, created_at, last_range_at)
            VALUES ({attachmentId}, {referralId}, {AttachmentOrigins.Peer}, {AttachmentStates.Receiving}, {size}, 0, 0,
                    {PeerIdentity.ClientIdOf(peer)}, clock_timestamp(), clock_timestamp())
            ON CONFLICT (id) DO NOTHING
            """, ct);
        var row = await db.Attachments.FromSql($"SELECT * FROM attachments WHERE id = {attachmentId} FOR UPDATE").AsNoTracking()
            .SingleOrDefaultAsync(ct);
        if (row is null) // removed as abandoned between the insert and the lock (AbandonedTransfers): start again
            return Problems.AttachmentOffsetMismatch.Result(http, "This node holds 0 bytes: continue there.", Held(http, 0));
        if (row.ReferralId != referralId || row.Origin != AttachmentOrigins.Peer || row.SizeBytes != size)
            return Problems.AttachmentOffsetMismatch.Result(http, "This attachment id is taken by another document on this node.",
                Held(http, row.ReferralId == referralId ? row.ReceivedBytes : 0));
        // A document the peer took and signed is not refused by count here: the two nodes would disagree on the case (each
        // bounds its own uploads). What is bounded is how many transfers of one case arrive at once (abandoned ones are
        // removed after AbandonedAfter), so a peer cannot open any number of them.
        if (created == 1 && await db.Attachments.CountAsync(a => a.ReferralId == referralId && a.State == AttachmentStates.Receiving, ct)
            > o.MaxPerReferral)
            return Problems.AttachmentLimit.Result(http, $"At most {o.MaxPerReferral} transfers of one case arrive at once on this node.");
        if (row.State != AttachmentStates.Receiving || from != row.ReceivedBytes)
            return Problems.AttachmentOffsetMismatch.Result(http, $"This node holds {row.ReceivedBytes} bytes: continue there.",
                Held(http, row.ReceivedBytes));

        using (var key = keys.Cipher.OpenDataKey(referral.WrappedDataKey, referral.Id))
            await chunks.WriteAsync(key, attachmentId, row.ChunkCount, from, body, last: to == size - 1, ct);
        await db.Database.ExecuteSqlAsync($"""
            UPDATE attachments SET chunk_count = chunk_count + 1, received_bytes = {to + 1}, last_range_at = clock_timestamp()
            WHERE id = {attachmentId}
            """, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new TransferState(to + 1, size));
    }

    private static Dictionary<string, object?> Held(HttpContext http, long received)
    {
        http.Response.Headers["Upload-Offset"] = received.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new() { ["received"] = received };
    }

    /// <summary>The calling peer is a party to a case this node holds and has not erased; otherwise the problem to answer.</summary>
    private static async Task<IResult?> PartyAsync(HttpContext http, NodeDbContext db, Guid referralId, CancellationToken ct)
    {
        var peer = PeerIdentity.CountryOf(http.User.ClientId());
        var referral = await db.Referrals.AsNoTracking().Where(r => r.Id == referralId)
            .Select(r => new { r.RequestingState, r.RequestedState, r.ErasedAt }).SingleOrDefaultAsync(ct);
        if (peer is null || (referral is not null && peer != referral.RequestingState && peer != referral.RequestedState))
            return Problems.WrongSender.Result(http, "The caller is not a party to this referral.");
        if (referral is null)
            return Problems.NoSuchReferral(http);
        if (referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        return null;
    }
}
