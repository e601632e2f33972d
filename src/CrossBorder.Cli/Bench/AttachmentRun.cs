namespace CrossBorder.Cli.Bench;

/// <summary>
/// One document's trip in <c>bench attachment</c>: seconds from the start of the upload, and each node's RSS just before
/// it (baseline) and at its highest until FR held GB's receipt (peak), in MB.
/// </summary>
public sealed record AttachmentRun(long Size, double UploadSeconds, double StoredSeconds, double ReceiptSeconds,
    IReadOnlyDictionary<string, double> Baseline, IReadOnlyDictionary<string, double> Peak, int Samples, bool Intact)
{
    private static readonly string[] Nodes = ["FR", "GB"];

    public int SizeMb => (int)(Size / (1024 * 1024));

    public double Rise(string node) => Peak[node] - Baseline[node];

    public static List<string[]> Table(IReadOnlyList<AttachmentRun> runs, double targetMb)
    {
        var rows = new List<string[]>
        {
            new[] { "size", "upload to FR", "to stored at GB", "to receipt at FR", "FR RSS base -> peak (rise)", "GB RSS base -> peak (rise)", "content at GB", $"peak < {targetMb:F0} MB" },
        };
        foreach (var r in runs)
            rows.Add([
                $"{r.SizeMb} MiB",
                $"{r.UploadSeconds:F2} s",
                $"{r.StoredSeconds:F2} s ({r.SizeMb / r.StoredSeconds:F1} MiB/s)",
                $"{r.ReceiptSeconds:F2} s",
                .. Nodes.Select(n => $"{r.Baseline[n]:F0} -> {r.Peak[n]:F0} MB (+{r.Rise(n):F0})"),
                r.Intact ? "SHA-256 equal" : "DIFFERENT",
                Nodes.All(n => r.Peak[n] < targetMb) ? "pass" : "FAIL",
            ]);
        return rows;
    }

    public IEnumerable<BenchFigure> Figures(double targetMb)
    {
        var mb = SizeMb;
        yield return new BenchFigure("attachment_size", null, null, Size, "bytes") { SizeMb = mb };
        yield return new BenchFigure("attachment_upload", "FR", null, Math.Round(UploadSeconds, 3), "s") { SizeMb = mb };
        yield return new BenchFigure("attachment_to_stored_at_gb", null, null, Math.Round(StoredSeconds, 3), "s") { SizeMb = mb };
        yield return new BenchFigure("attachment_to_receipt_at_fr", null, null, Math.Round(ReceiptSeconds, 3), "s") { SizeMb = mb };
        foreach (var node in Nodes)
        {
            yield return new BenchFigure("rss_before_transfer", node, null, Math.Round(Baseline[node], 1), "MB") { SizeMb = mb };
            yield return new BenchFigure("peak_rss_during_transfer", node, null, Math.Round(Peak[node], 1), "MB")
                { SizeMb = mb, Target = $"< {targetMb:F0}", Pass = Peak[node] < targetMb };
            yield return new BenchFigure("rss_rise_during_transfer", node, null, Math.Round(Rise(node), 1), "MB") { SizeMb = mb };
        }
        yield return new BenchFigure("attachment_content_intact", null, null, Intact ? 1 : 0, null) { SizeMb = mb };
        yield return new BenchFigure("rss_samples", null, null, Samples, "samples") { SizeMb = mb };
    }
}
