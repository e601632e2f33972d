using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CrossBorder.Core.Crypto;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// Sends a document's content to the peer before its <c>attachment.added</c> message (<see cref="IMessageContent"/>), one
/// stored chunk per request, from where the peer's copy stops: the peer says how many bytes it holds, so a transfer broken
/// by a crash, a timeout or an outage continues there on the message's next attempt instead of starting over.
/// </summary>
public sealed class AttachmentTransfer(NodeDbContext db, NodeKeys keys, AttachmentChunks chunks, PeerClient client,
    ILogger<AttachmentTransfer> log) : IMessageContent
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<PeerResponse?> SendAsync(ExchangeMessage message, WrappedKey dataKey, PeerOptions peer, CancellationToken ct)
    {
        if (message.Type != AttachmentMessages.Added)
            return null;
        // Statements take no token, the calls to the peer take ct: none is cancelled mid-flight (Exchange/Outbox/Delivery).
        var attachment = await db.Attachments.AsNoTracking().SingleAsync(a => a.MessageId == message.Id, CancellationToken.None);
        var path = AttachmentExchangeEndpoints.PathOf(attachment.ReferralId, attachment.Id);
        using var key = keys.Cipher.OpenDataKey(dataKey, attachment.ReferralId);
        // The peer holds what it holds: ask, send the rest. Its 409 (CB0404) means it holds another offset than this side
        // thought: a retried range it had already stored (the answer was lost), or another replica's send. Ask again and
        // go on from there as long as its copy grows; a peer whose copy stops growing is a failed attempt, retried later
        // from wherever it stands, never a refusal of the message.
        long? before = null;
        while (true)
        {
            var status = await client.SendAsync(peer, HttpMethod.Get, path, () => null, ct);
            if (status.Status != HttpStatusCode.OK)
                return status;
            var received = Read(status.Body)?.Received ?? 0;
            if (received >= attachment.SizeBytes)
                return null;
            if (received <= before)
                throw new HttpRequestException($"the peer's copy of attachment {attachment.Id} stopped at byte {received}");
            before = received;
            log.LogInformation("Attachment {AttachmentId} to {Peer}: sending from byte {Offset} of {Size}", attachment.Id, peer.Country,
                received, attachment.SizeBytes);
            if (await SendFromAsync(key, attachment, peer, path, received, ct) is { } refused && !IsOffsetMismatch(refused))
                return refused;
        }
    }

    private async Task<PeerResponse?> SendFromAsync(DataKey key, Attachment attachment, PeerOptions peer, string path, long received,
        CancellationToken ct)
    {
        await foreach (var (offset, plaintext) in chunks.ReadAsync(key, attachment, received, CancellationToken.None))
        {
            var skip = (int)(received - offset);
            if (skip >= plaintext.Length)
                continue;
            var from = received;
            var to = offset + plaintext.Length - 1;
            var range = plaintext[skip..];
            var response = await client.SendAsync(peer, HttpMethod.Put, path, () =>
            {
                // Over the chunk store's pooled buffer, valid until the next chunk: the request is sent before that.
                var content = new ReadOnlyMemoryContent(range);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                content.Headers.ContentRange = new ContentRangeHeaderValue(from, to, attachment.SizeBytes);
                return content;
            }, ct);
            if (response.Status != HttpStatusCode.OK)
                return response;
            received = Read(response.Body)?.Received ?? to + 1;
            if (received != to + 1)
                return null; // the peer holds another offset than this range's end: the caller asks where it stands
        }
        return null;
    }

    private static bool IsOffsetMismatch(PeerResponse r) =>
        r.Status == HttpStatusCode.Conflict && r.Body.Contains($"\"{Problems.AttachmentOffsetMismatch.Code}\"", StringComparison.Ordinal);

    private static TransferState? Read(string body)
    {
        try { return JsonSerializer.Deserialize<TransferState>(body, Json); }
        catch (JsonException) { return null; }
    }
}
