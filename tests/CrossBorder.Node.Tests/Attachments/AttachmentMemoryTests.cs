using System.Diagnostics.Tracing;
using System.Net;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Attachments;

/// <summary>
/// Issue 14's benchmark, "RSS not growing with the file size". Regression: an array per 256 KiB chunk (upload seal, the
/// transfer's read and open, the peer's request body, its seal, its digest check) put several times each document on the
/// large-object heap, which only a full collection gives back, so each node's memory grew with the document. Both nodes
/// run in this process: what they put on that heap for a larger document must not grow with it.
/// </summary>
public sealed class AttachmentMemoryTests
{
    private const int MiB = 1024 * 1024;

    [Test]
    public async Task Transfer_LargerDocument_NoLargeObjectsPerChunk_AllocationsFarBelowItsSize()
    {
        await using var pair = await NodePair.StartAsync(); // 256 KiB chunks: each on the large-object heap if it were an array
        var cases = await CaseDriver.CreateAsync(pair);
        // The documents are made first: the runtime reports allocations to the listener asynchronously, so a document made
        // just before a measurement could be counted in it (CI saw exactly one 10 MiB array there).
        var documents = new[] { 1, 2, 10 }.Select(m => Documents.Pdf(m * MiB)).ToArray();
        using var heap = new LargeObjectAllocations();
        await TransferAsync(pair, cases, heap, documents[0]); // warm-up: JIT, pools, connections
        var small = await TransferAsync(pair, cases, heap, documents[1]);
        var large = await TransferAsync(pair, cases, heap, documents[2]);
        TestContext.Out.WriteLine($"2 MiB: {small.Total / 1024} KiB allocated, {small.Large / 1024} KiB large; " +
            $"10 MiB: {large.Total / 1024} KiB allocated, {large.Large / 1024} KiB large");
        Assert.Multiple(() =>
        {
            // Sampled (an event per ~100 KB). Before the fix a 10 MiB document put about 80 MiB there, and any one array per
            // chunk anywhere adds 10 MiB; now only arrays the shared pool takes on (kept per thread and core, for the next
            // document): 1-4 MiB here, whatever the size.
            Assert.That(large.Large, Is.LessThan(8 * MiB), "less than one copy of the document on the large-object heap");
            // Requests, tokens and logs per chunk remain (short-lived, collected young); before the fix about 8 bytes per byte.
            Assert.That((double)(large.Total - small.Total) / (8 * MiB), Is.LessThan(2), "bytes allocated per extra byte of document");
        });
    }

    /// <summary>What this process (both nodes) allocated from the upload to the document listed at GB.</summary>
    private static async Task<(long Total, long Large)> TransferAsync(NodePair pair, CaseDriver cases, LargeObjectAllocations heap, byte[] pdf)
    {
        var id = await cases.SubmitAsync();
        var (total, large) = (GC.GetTotalAllocatedBytes(precise: true), heap.Bytes);
        using var upload = await Documents.UploadAsync(cases.Fr, id, pdf, "application/pdf");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(cases.Gb, $"api/v1/referrals/{id}/attachments"),
            l => l["items"]!.AsArray().Count == 1, timeout: TimeSpan.FromSeconds(60), because: "GB holds the document");
        return (GC.GetTotalAllocatedBytes(precise: true) - total, heap.Bytes - large);
    }

    /// <summary>The runtime's allocation ticks (one per ~100 KB allocated of a kind), summed for the large-object heap.</summary>
    private sealed class LargeObjectAllocations : EventListener
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null || e.PayloadNames is null)
                return;
            var kind = e.PayloadNames.IndexOf("AllocationKind");
            var amount = e.PayloadNames.IndexOf("AllocationAmount64");
            if (kind >= 0 && amount >= 0 && Convert.ToInt32(e.Payload[kind], System.Globalization.CultureInfo.InvariantCulture) == 1)
                Interlocked.Add(ref _bytes, Convert.ToInt64(e.Payload[amount], System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
