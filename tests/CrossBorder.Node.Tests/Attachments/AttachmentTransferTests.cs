using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Referrals;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Retention;
using CrossBorder.Node.Tests.WritePath;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.Attachments;

/// <summary>
/// Issue 14, attachments between the nodes: a broken transfer continues where the peer's copy stops; content that does
/// not match the signed digest is refused before any receipt; erasure takes the documents' content.
/// </summary>
public sealed class AttachmentTransferTests
{
    private const int Chunk = 4096;

    // The sweep of abandoned transfers runs every 50 ms in these tests: a broken transfer must resume under it.
    private static Task<NodePair> StartAsync(PeerTap tap, LogCapture? logs = null, Action<string, Dictionary<string, string?>>? adjust = null) =>
        NodePair.StartAsync(
        adjust: (country, c) =>
        {
            c["Attachments:ChunkBytes"] = Chunk.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c["Attachments:AbandonedCheckEvery"] = "00:00:00.050";
            adjust?.Invoke(country, c);
        },
        configure: (country, b) =>
        {
            if (country == "FR") b.Services.AddHttpClient<PeerClient>().AddHttpMessageHandler(() => tap);
            if (logs is not null) b.Logging.AddProvider(logs);
        });

    [Test]
    public async Task Transfer_BrokenAfterThreeChunks_ResumesAtPeersOffset_ContentIntact()
    {
        var tap = new PeerTap();
        await using var pair = await StartAsync(tap);
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        // After three ranges the link breaks for every try of one delivery attempt (the peer client retries twice).
        tap.BreakAfter(puts: 3, failures: 3);
        var pdf = Documents.Pdf(10 * Chunk);
        using var upload = await Documents.UploadAsync(cases.Fr, id, pdf, "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await upload.Content.ReadAsStringAsync());
        var attachmentId = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(cases.Gb, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]!.AsArray().Count == 1, because: "the transfer completes after the break");
        var starts = tap.PutStarts.ToList();
        var failed = tap.FailedStarts.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(failed, Has.Count.EqualTo(3).And.All.EqualTo(3L * Chunk), "the break hit the fourth range, three times");
            Assert.That(starts, Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i * Chunk)),
                "every range went through once: after the break the transfer resumed at the peer's offset, not at 0");
        });
        var (atGb, _) = await AttachmentTests.DownloadAsync(cases.Gb, id, attachmentId);
        Assert.That(Documents.Sha256(atGb), Is.EqualTo(Documents.Sha256(pdf)), "the content arrived intact");
        Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, $"SELECT chunk_count FROM attachments WHERE id = '{attachmentId}'"), Is.EqualTo(10));
    }

    /// <summary>
    /// Review finding: the peer stored a range but its answer was lost, so the retried range meets 409 (CB0404, the peer
    /// holds more than the sender thought). That is progress, not a refusal: the transfer goes on from the peer's offset,
    /// however often it happens in one attempt, and the message is delivered, not dead-lettered.
    /// </summary>
    [Test]
    public async Task Transfer_AnswersToStoredRangesLost_GoesOnFromPeersOffset_Delivered()
    {
        var tap = new PeerTap();
        foreach (var range in new long[] { 1, 3, 5, 7, 8 })
            tap.LoseAnswersTo.Add(range * Chunk);
        await using var pair = await StartAsync(tap);
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        var pdf = Documents.Pdf(10 * Chunk);
        using var upload = await Documents.UploadAsync(cases.Fr, id, pdf, "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await upload.Content.ReadAsStringAsync());
        var attachmentId = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        await NodePair.EventuallyAsync(() => Db.CountAsync(pair.Fr.ConnectionString,
                $"SELECT count(*) FROM messages m JOIN attachments a ON a.message_id = m.id WHERE a.id = '{attachmentId}' AND m.state IN ('delivered', 'dead_letter')"),
            n => n == 1, because: "the attachment.added message is settled");
        Assert.That((await Db.ColumnAsync(pair.Fr.ConnectionString,
                $"SELECT m.state FROM messages m JOIN attachments a ON a.message_id = m.id WHERE a.id = '{attachmentId}'")).Single(),
            Is.EqualTo("delivered"), "lost answers are progress, not a refusal");
        Assert.That(tap.LostAnswers, Has.Count.EqualTo(5), "five answers were lost");
        var (atGb, _) = await AttachmentTests.DownloadAsync(cases.Gb, id, attachmentId);
        Assert.That(Documents.Sha256(atGb), Is.EqualTo(Documents.Sha256(pdf)), "the content arrived intact");
    }

    [Test]
    public async Task Transfer_AbandonedAtReceiver_DoesNotCountTowardLimit_RemovedAfterAbandonedAfter()
    {
        var tap = new PeerTap();
        await using var pair = await StartAsync(tap, adjust: (country, c) =>
        {
            if (country != "GB") return;
            c["Attachments:MaxPerReferral"] = "1";
            c["Attachments:AbandonedAfter"] = "00:00:04";
        });
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        tap.BreakAfter(puts: 3, failures: int.MaxValue); // FR's link to GB breaks for good after three ranges
        using (var upload = await Documents.UploadAsync(cases.Fr, id, Documents.Pdf(10 * Chunk), "application/pdf"))
            Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var gb = pair.Gb.ConnectionString;
        var stale = await NodePair.EventuallyAsync(() => Db.ColumnAsync(gb,
                $"SELECT id::text || ' ' || received_bytes FROM attachments WHERE referral_id = '{id}' AND state = 'receiving'"),
            rows => rows.SingleOrDefault()?.EndsWith($" {3 * Chunk}", StringComparison.Ordinal) == true,
            because: "GB holds three ranges of FR's document");
        var staleId = stale.Single()!.Split(' ')[0];

        // Regression: the partial transfer counted toward the per-case limit, so GB's own document was refused with 413.
        using (var own = await Documents.UploadAsync(cases.Gb, id, Documents.Png(2 * Chunk), "image/png"))
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.Created), await own.Content.ReadAsStringAsync());
        Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM attachments WHERE id = '{staleId}'"), Is.EqualTo(1),
            "the partial transfer was still there when GB's document was taken");

        await NodePair.EventuallyAsync(() => Db.CountAsync(gb,
                $"SELECT (SELECT count(*) FROM attachments WHERE id = '{staleId}') + (SELECT count(*) FROM attachment_chunks WHERE attachment_id = '{staleId}')"),
            n => n == 0, timeout: TimeSpan.FromSeconds(30), because: "the abandoned transfer and its chunks are removed after AbandonedAfter");
        Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM attachments WHERE referral_id = '{id}' AND state = 'stored'"), Is.EqualTo(1),
            "GB's own document stays");
    }

    /// <summary>
    /// With one pooled connection at GB too: the refusal drops what was received on a connection of its own, after the
    /// exchange's transaction has given its connection back (a wait for a second one would last the pool's timeout, and
    /// the peer would get a 503 for each try instead of the refusal).
    /// </summary>
    [TestCase(100)]
    [TestCase(1)]
    public async Task Transfer_ContentChangedInTransit_PeerRefusesDigest_NothingAppliedNoReceipt(int gbPoolSize)
    {
        var tap = new PeerTap { CorruptRangeAt = Chunk };
        var logs = new LogCapture();
        await using var pair = await StartAsync(tap, logs, adjust: (country, c) =>
        {
            if (country == "GB")
                c["ConnectionStrings:Node"] = new Npgsql.NpgsqlConnectionStringBuilder(c["ConnectionStrings:Node"])
                    { MaxPoolSize = gbPoolSize, Timeout = 5 }.ConnectionString;
        });
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        var pdf = Documents.Pdf(5 * Chunk);
        using var upload = await Documents.UploadAsync(cases.Fr, id, pdf, "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var created = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        var messageId = created["messageId"]!.GetValue<string>();

        var state = await NodePair.EventuallyAsync(() => Db.ColumnAsync(pair.Fr.ConnectionString,
                $"SELECT state || ' ' || coalesce(last_error, '') || ' ' || (receipt_jws IS NULL) FROM messages WHERE id = '{messageId}'"),
            s => s.Single()!.StartsWith("dead_letter", StringComparison.Ordinal), because: "GB refuses it for good");
        Assert.That(state.Single(), Does.Contain("CB0405").And.EndWith("true"), "refused for its digest, no receipt");
        var gb = pair.Gb.ConnectionString;
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM messages WHERE id = '{messageId}'"), Is.Zero, "GB applied nothing");
            Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM attachments WHERE referral_id = '{id}'"), Is.Zero, "GB dropped what it received");
            Assert.That(await Db.CountAsync(gb, "SELECT count(*) FROM attachment_chunks"), Is.Zero);
            Assert.That((await NodePair.GetJsonAsync(cases.Gb, $"api/v1/referrals/{id}/attachments"))["items"]!.AsArray(), Is.Empty);
        });
        // What the nodes told their operators names ids and codes, never the case's personal data.
        var logged = string.Join("\n", logs.Entries.Select(e => e.Message));
        Assert.That(logged, Does.Contain("does not match its signed message"), "GB logs the security event");
        Assert.That(RetentionProbe.PersonalValues.Where(logged.Contains), Is.Empty);
    }

    [Test]
    public async Task Upload_BeyondTheServerWideBodyBound_WithDefaults_StoredAndTransferredIntact()
    {
        await using var pair = await NodePair.StartAsync(); // 25 MiB, 256 KiB chunks; the server-wide body bound is 2 MiB
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        var pdf = Documents.Pdf(3 * 1024 * 1024 + 17);
        using var upload = await Documents.UploadAsync(cases.Fr, id, pdf, "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await upload.Content.ReadAsStringAsync());
        var attachmentId = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(cases.Gb, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]!.AsArray().Count == 1, because: "GB holds the document");
        var (atGb, _) = await AttachmentTests.DownloadAsync(cases.Gb, id, attachmentId);
        Assert.That(atGb, Is.EqualTo(pdf));
        Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, $"SELECT chunk_count FROM attachments WHERE id = '{attachmentId}'"),
            Is.EqualTo(13), "twelve full 256 KiB chunks and the rest");
    }

    /// <summary>
    /// Review finding: erasing a case marked a peer's transfer still arriving as an erased document (no type, no digest:
    /// the list broke its schema, and the abandoned-transfer sweep never saw it again). It goes whole instead.
    /// </summary>
    [Test]
    public async Task Erase_WhileAPeersTransferArrives_TransferRemoved_NotListed()
    {
        var tap = new PeerTap();
        await using var pair = await StartAsync(tap);
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        tap.BreakAfter(puts: 3, failures: int.MaxValue); // FR's link to GB breaks after three ranges
        using (var upload = await Documents.UploadAsync(cases.Fr, id, Documents.Pdf(10 * Chunk), "application/pdf"))
            Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var gb = pair.Gb.ConnectionString;
        await NodePair.EventuallyAsync(() => Db.CountAsync(gb,
                $"SELECT count(*) FROM attachments WHERE referral_id = '{id}' AND state = 'receiving' AND received_bytes = {3 * Chunk}"),
            n => n == 1, because: "GB holds three ranges of FR's document");

        Assert.That(await pair.Gb.Services.GetRequiredService<Erasure>().EraseAsync(Guid.Parse(id), "test-operator", "court order",
            CancellationToken.None), Is.Not.Null);
        Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM attachments WHERE referral_id = '{id}'"), Is.Zero,
            "the unfinished transfer is gone, not kept as an erased document");
        Assert.That(await Db.CountAsync(gb, "SELECT count(*) FROM attachment_chunks"), Is.Zero, "its chunks with it");
    }

    [Test]
    public async Task Erase_CaseWithDocuments_ChunksGone_DownloadGone_DigestsStay_PeerKeepsItsCopy()
    {
        var tap = new PeerTap();
        await using var pair = await StartAsync(tap);
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        var png = Documents.Png(3 * Chunk);
        using var upload = await Documents.UploadAsync(cases.Fr, id, png, "image/png");
        var attachmentId = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(cases.Fr, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]![0]!["deliveredAt"] is not null, because: "GB receipted the document's message");

        var erasure = pair.Fr.Services.GetRequiredService<Erasure>();
        Assert.That(await erasure.EraseAsync(Guid.Parse(id), "test-operator", "court order", CancellationToken.None), Is.Not.Null);

        var fr = pair.Fr.ConnectionString;
        Assert.That(await Db.CountAsync(fr, $"SELECT count(*) FROM attachment_chunks WHERE attachment_id = '{attachmentId}'"), Is.Zero,
            "FR's chunks are deleted");
        using (var download = await cases.Fr.GetAsync($"api/v1/referrals/{id}/attachments/{attachmentId}"))
            await RetentionProbe.AssertErasedAsync(download, "download after erasure");
        var listed = (await NodePair.GetJsonAsync(cases.Fr, $"api/v1/referrals/{id}/attachments"))["items"]![0]!;
        Assert.That((listed["state"]!.GetValue<string>(), listed["sha256"]!.GetValue<string>()), Is.EqualTo(("erased", Documents.Sha256(png))),
            "the metadata and digest stay");
        var (atGb, _) = await AttachmentTests.DownloadAsync(cases.Gb, id, attachmentId);
        Assert.That(atGb, Is.EqualTo(png), "GB erases its copy by its own schedule");

        await pair.Gb.Services.GetRequiredService<Erasure>().EraseAsync(Guid.Parse(id), "test-operator", "court order", CancellationToken.None);
        Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, "SELECT count(*) FROM attachment_chunks"), Is.Zero, "GB's chunks are deleted too");
    }

    /// <summary>
    /// Sits between FR's peer client and the network: records where each transfer range starts, breaks the link for a
    /// while, or changes a byte of one range.
    /// </summary>
    private sealed class PeerTap : DelegatingHandler
    {
        private int _putsBeforeBreak = int.MaxValue, _failuresLeft;

        public ConcurrentQueue<long> PutStarts { get; } = new();
        public ConcurrentQueue<long> FailedStarts { get; } = new();
        public long? CorruptRangeAt { get; init; }

        public void BreakAfter(int puts, int failures) => (_putsBeforeBreak, _failuresLeft) = (puts, failures);

        /// <summary>The peer stores these ranges, and their answers are lost on the way back.</summary>
        public HashSet<long> LoseAnswersTo { get; } = [];

        public ConcurrentQueue<long> LostAnswers { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.Method != HttpMethod.Put || request.Content?.Headers.ContentRange?.From is not { } from)
                return await base.SendAsync(request, ct);
            if (PutStarts.Count >= _putsBeforeBreak && _failuresLeft > 0)
            {
                _failuresLeft--;
                FailedStarts.Enqueue(from);
                throw new HttpRequestException("the link broke (test)");
            }
            if (from == CorruptRangeAt)
            {
                var bytes = await request.Content.ReadAsByteArrayAsync(ct);
                bytes[^1] ^= 0x5A;
                var changed = new ByteArrayContent(bytes);
                foreach (var header in request.Content.Headers)
                    changed.Headers.TryAddWithoutValidation(header.Key, header.Value);
                request.Content = changed;
            }
            var response = await base.SendAsync(request, ct);
            if (response.IsSuccessStatusCode && LoseAnswersTo.Remove(from))
            {
                LostAnswers.Enqueue(from);
                response.Dispose();
                throw new HttpRequestException("the answer was lost (test)");
            }
            if (response.IsSuccessStatusCode)
                PutStarts.Enqueue(from);
            return response;
        }
    }
}
