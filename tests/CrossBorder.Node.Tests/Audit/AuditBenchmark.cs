using System.Diagnostics;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Tests.Audit;

/// <summary>
/// Issue 4's measurement: auditor queries over a log of at least a million entries. Runs only when asked:
/// <c>CROSSBORDER_BENCH_ENTRIES=1000000 dotnet test tests/CrossBorder.Node.Tests -c Release
/// --filter "Name=AuditQuery_LargeLog_PageTimes" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Category("Benchmark")]
public sealed class AuditBenchmark
{
    [Test]
    public async Task AuditQuery_LargeLog_PageTimes()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("CROSSBORDER_BENCH_ENTRIES"), out var count))
            Assert.Ignore("Set CROSSBORDER_BENCH_ENTRIES (e.g. 1000000) to run the audit benchmark.");
        await using var pair = await NodePair.StartAsync();
        var fr = pair.Fr;
        var referrals = Enumerable.Range(0, Math.Max(1, count / 100)).Select(_ => Guid.CreateVersion7()).ToArray();
        var start = DateTimeOffset.UtcNow.AddDays(-30);

        var watch = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(fr.ConnectionString))
        {
            await connection.OpenAsync();
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY audit_pending (id, recorded_at, kind, client_id, referral_id, message_id, digest) FROM STDIN (FORMAT BINARY)");
            string[] kinds = ["message.sent", "message.received", "message.delivered", "step.taken", "personal_data.read", "token.issued"];
            for (var i = 0; i < count; i++)
            {
                var at = start.AddMilliseconds(i * 2.5);
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(at), NpgsqlDbType.Uuid);
                await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(kinds[i % kinds.Length], NpgsqlDbType.Varchar);
                await copy.WriteAsync($"client-{i % 50}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(referrals[i % referrals.Length], NpgsqlDbType.Uuid);
                await copy.WriteAsync(Guid.CreateVersion7(at), NpgsqlDbType.Uuid);
                await copy.WriteAsync("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", NpgsqlDbType.Varchar);
            }
            await copy.CompleteAsync();
        }
        Report($"inserted {count} pending entries in {watch.Elapsed.TotalSeconds:F1} s");

        watch.Restart();
        using var auditor = await fr.AuditorAsync();
        var latest = await NodePair.EventuallyAsync(async () =>
        {
            using var r = await auditor.GetAsync("api/v1/audit/checkpoints/latest");
            return r.IsSuccessStatusCode ? System.Text.Json.Nodes.JsonNode.Parse(await r.Content.ReadAsStringAsync())!["treeSize"]!.GetValue<long>() : 0;
        }, size => size >= count, TimeSpan.FromHours(1), "the sequencer catches up");
        Report($"sequenced and checkpointed {latest} entries in {watch.Elapsed.TotalSeconds:F1} s ({latest / watch.Elapsed.TotalSeconds:F0} entries/s)");
        await AuditProbe.ScalarAsync(fr, "SELECT 0 FROM (SELECT 1) x; ANALYZE audit_entries; ANALYZE audit_tree_nodes");

        var referral = referrals[referrals.Length / 2];
        var from = Uri.EscapeDataString(start.AddHours(12).ToString("O"));
        var to = Uri.EscapeDataString(start.AddHours(13).ToString("O"));
        (string Name, string Path)[] queries =
        [
            ("first page, 100 entries", "api/v1/audit/entries?limit=100"),
            ("page of 1000 entries", "api/v1/audit/entries?limit=1000"),
            ("deep page (cursor near the end), 100", $"api/v1/audit/entries?limit=100&cursor={latest - 150}"),
            ("referral filter, 100", $"api/v1/audit/entries?referralId={referral}&limit=100"),
            ("client filter, 100", "api/v1/audit/entries?client=client-7&limit=100"),
            ("kind + time range (1 h), 100", $"api/v1/audit/entries?kind=step.taken&since={from}&until={to}&limit=100"),
            ("CSV page of 1000", "api/v1/audit/entries?limit=1000&csv"),
            ("inclusion proof", $"api/v1/audit/entries/{latest / 2}/proof"),
            ("consistency proof", $"api/v1/audit/consistency?from={latest / 3}&to={latest}"),
            ("latest checkpoint", "api/v1/audit/checkpoints/latest"),
        ];
        foreach (var (name, path) in queries)
        {
            var times = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path.Replace("&csv", ""));
                if (path.EndsWith("&csv")) request.Headers.Accept.ParseAdd("text/csv");
                var t = Stopwatch.StartNew();
                using var response = await auditor.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                t.Stop();
                Assert.That((int)response.StatusCode, Is.EqualTo(200), $"{name}: {path}");
                times.Add(t.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Report($"{name,-40} median {times[3],8:F1} ms   max {times[^1],8:F1} ms   (first {times.Min(),6:F1} ms)");
        }
    }

    private static void Report(string line) => TestContext.Progress.WriteLine("[audit bench] " + line);
}
