using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Tests.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Retention;
using CrossBorder.Node.Tests.WritePath;

namespace CrossBorder.Node.Tests.Attachments;

/// <summary>
/// Issue 14, attachments: upload, list and download at both nodes with equal digests; limits and content checks; no
/// partial write; downloads audited as reads.
/// </summary>
public sealed class AttachmentTests
{
    private NodePair _pair = null!;
    private CaseDriver _cases = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["Attachments:ChunkBytes"] = "4096";
            c["Attachments:MaxBytes"] = "65536";
            c["Attachments:MaxPerReferral"] = "3";
        });
        _cases = await CaseDriver.CreateAsync(_pair);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task Upload_PdfAtFr_ListedAndDownloadedAtBothNodes_SameSha256()
    {
        var id = await _cases.SubmitAsync();
        var pdf = Documents.Pdf(40_000); // ten chunks of 4 KiB
        using var upload = await Documents.UploadAsync(_cases.Fr, id, pdf, "application/pdf");
        var text = await upload.Content.ReadAsStringAsync();
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        var created = JsonNode.Parse(text)!.AsObject();
        var attachmentId = created["id"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(created["sha256"]!.GetValue<string>(), Is.EqualTo(Documents.Sha256(pdf)));
            Assert.That(created["size"]!.GetValue<long>(), Is.EqualTo(pdf.Length));
            Assert.That(upload.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/referrals/{id}/attachments/{attachmentId}"));
        });
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, $"SELECT count(*) FROM attachment_chunks WHERE attachment_id = '{attachmentId}'"),
            Is.EqualTo(10), "stored in chunks of the configured size");
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString,
            $"SELECT count(*) FROM attachment_chunks WHERE attachment_id = '{attachmentId}' AND position('%PDF'::bytea in ciphertext) > 0"),
            Is.Zero, "chunks are stored encrypted");

        var (frBytes, frDigest) = await DownloadAsync(_cases.Fr, id, attachmentId);
        Assert.That(frBytes, Is.EqualTo(pdf), "FR gives back the uploaded bytes");
        Assert.That(frDigest, Is.EqualTo($"sha-256=:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(pdf))}:"));

        // At GB once delivered: the content arrived before the signed message, which names the same digest.
        var gbList = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(_cases.Gb, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]!.AsArray().Count == 1, because: "GB lists the document once it holds it");
        var atGb = gbList["items"]![0]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(atGb["id"]!.GetValue<string>(), Is.EqualTo(attachmentId));
            Assert.That(atGb["sha256"]!.GetValue<string>(), Is.EqualTo(Documents.Sha256(pdf)));
            Assert.That(atGb["origin"]!.GetValue<string>(), Is.EqualTo("peer"));
            Assert.That(atGb["mediaType"]!.GetValue<string>(), Is.EqualTo("application/pdf"));
        });
        var (gbBytes, _) = await DownloadAsync(_cases.Gb, id, attachmentId);
        Assert.That(gbBytes, Is.EqualTo(pdf), "GB gives back the same bytes");
        var frList = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(_cases.Fr, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]![0]!["deliveredAt"] is not null, because: "FR records GB's receipt time");
        Assert.That(frList["items"]![0]!["messageId"]!.GetValue<string>(), Is.EqualTo(atGb["messageId"]!.GetValue<string>()),
            "both name the same signed message");

        // GB's back office learns of it from the change feed.
        await NodePair.FeedEventuallyAsync(_cases.Gb, items => items.ToJsonString() is var feed
                && feed.Contains("\"attachment.received\"", StringComparison.Ordinal) && feed.Contains(attachmentId, StringComparison.Ordinal),
            because: "GB's feed names the document that arrived");

        // The signed message carries the digest, verbatim on both sides.
        var messages = JsonNode.Parse(await _cases.Gb.GetStringAsync($"api/v1/referrals/{id}/messages"))!;
        var message = messages.AsArray().Select(m => m!.AsObject()).Single(m => m["type"]!.GetValue<string>() == "attachment.added");
        var payload = message["jws"]!.GetValue<string>().Split('.')[1];
        var envelope = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload))!;
        Assert.That(envelope["body"]!["sha256"]!.GetValue<string>(), Is.EqualTo(Documents.Sha256(pdf)));

        // Each download is a read of personal data in the audit log, naming the document.
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, $"""
            SELECT (SELECT count(*) FROM audit_pending WHERE kind = 'personal_data.read' AND referral_id = '{id}'
                    AND detail = 'attachment {attachmentId}')
                 + (SELECT count(*) FROM audit_entries WHERE kind = 'personal_data.read' AND referral_id = '{id}'
                    AND position(convert_to('attachment {attachmentId}', 'UTF8') in leaf) > 0)
            """), Is.EqualTo(1), "FR's one download is audited");
    }

    [Test]
    public async Task Upload_ByMinistryClient_AuditedAsWhoUploadedWhichDocument_ReplayNotAgain()
    {
        var id = await _cases.SubmitAsync();
        var png = Documents.Png(5000);
        var key = Guid.NewGuid().ToString();
        using var upload = await Documents.UploadAsync(_cases.Fr, id, png, "image/png", key);
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var created = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        using (var replay = await Documents.UploadAsync(_cases.Fr, id, png, "image/png", key))
            Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the replay answers as the first");

        using var auditor = await _pair.Fr.AuditorAsync();
        var entries = await NodePair.EventuallyAsync(
            () => AuditProbe.EntriesAsync(auditor, $"&referralId={id}&kind={AuditKinds.AttachmentUploaded}"),
            e => e.Count > 0, because: "the upload is in FR's audit log");
        var entry = entries.Single();
        Assert.Multiple(() =>
        {
            Assert.That(entry["client"]!.GetValue<string>(), Is.EqualTo(_pair.Fr.MinistryClientId));
            Assert.That(entry["referralId"]!.GetValue<string>(), Is.EqualTo(id));
            Assert.That(entry["messageId"]!.GetValue<string>(), Is.EqualTo(created["messageId"]!.GetValue<string>()),
                "the signed attachment.added message that names the digest");
            Assert.That(entry["detail"]!.GetValue<string>(), Is.EqualTo(
                $"attachment={created["id"]} sha256={Documents.Sha256(png)} size={png.Length} mediaType=image/png"));
            Assert.That(RetentionProbe.PersonalValues.Where(entry.ToJsonString().Contains), Is.Empty, "no personal data");
        });
    }

    [Test]
    public async Task Upload_PngAndJpegWithStep_RoundTrip_AuditorGetsNoContent()
    {
        var id = await _cases.SubmitAsync();
        var referral = await NodePair.GetJsonAsync(_cases.Fr, $"api/v1/referrals/{id}");
        var step = referral["history"]!.AsArray().Select(h => h!["messageId"]?.GetValue<string>()).First(m => m is not null);
        var png = Documents.Png(9000);
        var jpeg = Documents.Jpeg(5000);
        using var pngUpload = await Documents.UploadAsync(_cases.Fr, id, png, "image/png", query: $"?step={step}");
        Assert.That(pngUpload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await pngUpload.Content.ReadAsStringAsync());
        using var jpegUpload = await Documents.UploadAsync(_cases.Fr, id, jpeg, "image/jpeg", chunked: true);
        Assert.That(jpegUpload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await jpegUpload.Content.ReadAsStringAsync());
        var pngView = JsonNode.Parse(await pngUpload.Content.ReadAsStringAsync())!;
        Assert.That(pngView["step"]!.GetValue<string>(), Is.EqualTo(step));
        var (pngBack, _) = await DownloadAsync(_cases.Fr, id, pngView["id"]!.GetValue<string>());
        var (jpegBack, _) = await DownloadAsync(_cases.Fr, id, JsonNode.Parse(await jpegUpload.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        Assert.That((pngBack, jpegBack), Is.EqualTo((png, jpeg)));

        using var unknownStep = await Documents.UploadAsync(_cases.Fr, id, png, "image/png", query: $"?step={Guid.NewGuid()}");
        Assert.That(unknownStep.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a step must be one of the case's");

        using var auditor = await _pair.Fr.AuditorAsync();
        using var denied = await auditor.GetAsync($"api/v1/referrals/{id}/attachments/{pngView["id"]}");
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "an auditor gets no document");
    }

    [Test]
    public async Task Upload_BeyondLimitsOrNotWhatItSays_Refused_NothingStored()
    {
        var id = await _cases.SubmitAsync();
        async Task<(HttpStatusCode Status, string? Code)> Try(byte[] content, string type, bool chunked = false)
        {
            using var response = await Documents.UploadAsync(_cases.Fr, id, content, type, chunked: chunked);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, JsonNode.Parse(text)?["code"]?.GetValue<string>());
        }
        var pdf = Documents.Pdf(20_000);
        var truncatedPdf = pdf[..^200];
        var jpegGarbage = Documents.Jpeg(9000)[..^2].Concat(new byte[] { 1, 2 }).ToArray();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Try(Documents.Pdf(70_000), "application/pdf"), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, "CB0007")), "Content-Length beyond the bound");
            Assert.That(await Try(Documents.Pdf(70_000), "application/pdf", chunked: true), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, "CB0007")), "a chunked body beyond the bound");
            Assert.That(await Try(Documents.Png(5000), "application/pdf"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0402")), "a PNG declared as PDF");
            Assert.That(await Try(truncatedPdf, "application/pdf"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0402")), "a PDF without %%EOF");
            Assert.That(await Try(jpegGarbage, "image/jpeg"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0402")), "a JPEG header then garbage");
            Assert.That(await Try(Documents.Png(5000, breakCrc: true), "image/png"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0402")), "a PNG chunk with a bad CRC");
            Assert.That(await Try(Documents.Png(5000)[..^12], "image/png"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0402")), "a PNG without IEND");
            Assert.That(await Try("hello"u8.ToArray(), "text/plain"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0008")), "another media type");
            Assert.That(await Try([], "application/pdf"), Is.EqualTo((HttpStatusCode.UnsupportedMediaType, "CB0402")), "an empty body");
        });
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM attachment_chunks c WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = c.attachment_id)"),
            Is.Zero, "no chunk of a refused upload is left");
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, $"SELECT count(*) FROM attachments WHERE referral_id = '{id}'"), Is.Zero);

        var key = Guid.NewGuid().ToString();
        using var first = await Documents.UploadAsync(_cases.Fr, id, pdf, "application/pdf", key);
        using var replay = await Documents.UploadAsync(_cases.Fr, id, pdf, "application/pdf", key);
        using var reused = await Documents.UploadAsync(_cases.Fr, id, Documents.Pdf(3000), "application/pdf", key);
        Assert.That((first.StatusCode, replay.StatusCode, reused.StatusCode),
            Is.EqualTo((HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.UnprocessableEntity)));
        Assert.That(JsonNode.Parse(await replay.Content.ReadAsStringAsync())!["id"]!.GetValue<string>(),
            Is.EqualTo(JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!.GetValue<string>()), "the same key replays the first answer");
        for (var i = 0; i < 2; i++)
            using (var more = await Documents.UploadAsync(_cases.Fr, id, Documents.Jpeg(2000), "image/jpeg"))
                Assert.That(more.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await Try(Documents.Jpeg(2000), "image/jpeg"), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, "CB0401")), "a fourth document beyond MaxPerReferral 3");
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, $"SELECT count(*) FROM attachments WHERE referral_id = '{id}'"), Is.EqualTo(3));
    }

    [Test]
    public async Task Upload_ClientBreaksMidway_NothingStored()
    {
        var id = await _cases.SubmitAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/referrals/{id}/attachments")
        {
            Content = new BreakingContent(Documents.Pdf(40_000), breakAfter: 30_000),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await Assert.ThatAsync(async () => (await _cases.Fr.SendAsync(request)).Dispose(), Throws.InstanceOf<Exception>());
        // Once the node's request has ended (no transaction of it open), nothing of it is left.
        await NodePair.EventuallyAsync(() => Db.CountAsync(_pair.Fr.ConnectionString,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"), n => n == 0);
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM attachment_chunks c WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = c.attachment_id)"),
            Is.Zero);
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, $"SELECT count(*) FROM attachments WHERE referral_id = '{id}'"), Is.Zero);
    }

    [Test]
    public async Task EvidencePack_CaseWithDocument_VerifiesAndCarriesItsSignedDigest()
    {
        var id = await _cases.SubmitAsync();
        var pdf = Documents.Pdf(6000);
        using var upload = await Documents.UploadAsync(_cases.Fr, id, pdf, "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(_cases.Fr, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]![0]!["deliveredAt"] is not null, because: "GB receipted the document's message");

        var (pack, checks) = await NodePair.EventuallyAsync(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}/evidence?include=personal-data");
                request.Headers.Add("X-Purpose", "court-order");
                using var response = await _cases.Fr.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK) return ("", (IReadOnlyList<string>)[]);
                var result = CrossBorder.Core.Evidence.EvidenceVerifier.Verify(System.Text.Encoding.UTF8.GetBytes(body));
                return result.IsValid && result.Notes.Count == 0 ? (body, result.Checks) : ("", []);
            }, v => v.Item1.Length > 0, TimeSpan.FromSeconds(30), "a pack whose every message and receipt is in the log");
        Assert.That(checks, Has.Some.Contains("attachment.added seq 2"), "the document's signed message is in the pack and verifies");
        var jws = JsonNode.Parse(pack)!["messages"]!.AsArray().Select(m => m!["jws"]?.GetValue<string>()).OfType<string>()
            .Select(j => JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(j.Split('.')[1]))!)
            .Single(e => e["type"]!.GetValue<string>() == "attachment.added");
        Assert.That(jws["body"]!["sha256"]!.GetValue<string>(), Is.EqualTo(Documents.Sha256(pdf)), "the pack carries the digest, not the document");
    }

    internal static async Task<(byte[] Content, string? Digest)> DownloadAsync(HttpClient client, string id, string attachmentId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}/attachments/{attachmentId}");
        request.Headers.Add("X-Purpose", "case-review");
        using var response = await client.SendAsync(request);
        var content = await response.Content.ReadAsByteArrayAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), System.Text.Encoding.UTF8.GetString(content.Take(500).ToArray()));
        return (content, response.Headers.TryGetValues("Repr-Digest", out var v) ? v.Single() : null);
    }

    /// <summary>Sends the first bytes of a body, then fails: the connection breaks mid-upload.</summary>
    private sealed class BreakingContent(byte[] content, int breakAfter) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var sent = 0; sent < breakAfter; sent += 1000)
            {
                await stream.WriteAsync(content.AsMemory(sent, 1000));
                await stream.FlushAsync();
            }
            throw new IOException("the client went away");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = content.Length;
            return true;
        }
    }
}
