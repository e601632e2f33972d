using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Retention;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.Attachments;

/// <summary>
/// A document's download stops between its chunks when its caller leaves (Attachments/AttachmentEndpoints, on
/// Http/UnitsRunToTheEnd's CallerGone): the handlers' own token never fires, so without that check a download whose
/// caller left would go on reading and decrypting every chunk of a 25 MB document for nobody. A write that fails because
/// the caller left ends quietly (Http/UnitsRunToTheEnd.UseDepartedCallersEndQuietly), not as an unhandled error.
/// </summary>
public sealed class DownloadCallerGoneTests
{
    [Test]
    public async Task ACallerLeavingMidDownload_TheNodeStopsReadingChunks_AndTheRequestEndsCleanly()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Microsoft.AspNetCore" or "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var logs = new LogCapture();
        await using var pair = await NodePair.StartAsync(configure: (_, b) => b.Logging.AddProvider(logs));
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync();
        const int chunks = 40; // of 256 KiB, the default: 10 MiB, far more than the sockets between the two hold
        using var upload = await Documents.UploadAsync(cases.Fr, id, Documents.Pdf(chunks * 256 * 1024), "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await upload.Content.ReadAsStringAsync());
        var path = $"/api/v1/referrals/{id}/attachments/{JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["id"]}";

        using (var request = new HttpRequestMessage(HttpMethod.Get, path))
        {
            request.Headers.Add("X-Purpose", "case-review");
            using var response = await cases.Fr.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[64 * 1024]);
        } // the caller leaves: the connection is closed with most of the document unread

        var server = await NodePair.EventuallyAsync(
            () => Task.FromResult(spans.FirstOrDefault(a => a.Source.Name == "Microsoft.AspNetCore" && Tag(a, "url.path") == path)),
            a => a is not null, because: "the download's request ended");
        var chunkReads = spans.Count(a => a.Source.Name == "Npgsql" && a.TraceId == server!.TraceId
            && (Tag(a, "db.query.text") ?? Tag(a, "db.statement") ?? "").Contains("chunk_index = $2"));
        TestContext.Out.WriteLine($"chunks read: {chunkReads} of {chunks}");
        Assert.Multiple(() =>
        {
            Assert.That(chunkReads, Is.GreaterThan(0), "the chunk reads are seen");
            // Those read before the caller left count too: 64 KiB read, the sockets' buffers full, then a chunk or two.
            Assert.That(chunkReads, Is.LessThan(chunks / 2), "the node stopped reading soon after its caller left");
            Assert.That(Tag(server!, "error.type"), Is.Null, "the download ended without an unhandled exception");
            Assert.That(logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}"), Is.Empty,
                "a caller leaving is no error of the node's");
        });
    }

    private static string? Tag(Activity a, string key) => a.GetTagItem(key)?.ToString();
}
