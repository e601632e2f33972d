using System.Diagnostics;
using System.Net.Http.Headers;
using CrossBorder.Cli.Local;
using CrossBorder.Core.Evidence;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// What must hold after <c>bench faults</c>, read from both databases and FR's API: every acknowledged referral at
/// FR once and at GB exactly once, every message delivered with a receipt and applied once, both feeds gap-free,
/// both audit logs sequenced without a gap, and the evidence pack of each referral (or of a sample) verifying offline,
/// GB's signed receipt included.
/// </summary>
public static class CampaignChecks
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(90);

    public static async Task RunAsync(CampaignReport report, PersistentCreator creator, CampaignDatabase fr, CampaignDatabase gb,
        DevNode frNode, int evidenceSample, Action<string> log, CancellationToken ct)
    {
        var acknowledged = creator.Acknowledged.ToHashSet();
        report.Check("every create acknowledged", creator.GivenUp.IsEmpty && acknowledged.Count == creator.Acknowledged.Count,
            creator.GivenUp.IsEmpty ? $"{acknowledged.Count} referrals" : $"{creator.GivenUp.Count} given up, first: {creator.GivenUp.First()}");
        report.Check("no 500, no refused create", creator.Wrong.IsEmpty,
            creator.Wrong.IsEmpty ? "every failed attempt was a 503, 409, 429 or no answer" : string.Join("; ", creator.Wrong.Take(3)));

        SameSet(report, "FR holds each acknowledged referral once", acknowledged,
            await fr.IdsAsync("SELECT id FROM referrals WHERE direction = 'outgoing'", ct));
        SameSet(report, "GB holds each acknowledged referral exactly once", acknowledged,
            await gb.IdsAsync("SELECT id FROM referrals WHERE direction = 'incoming'", ct));

        var outgoing = await fr.ScalarAsync("SELECT count(*) FROM messages WHERE direction = 'outgoing'", ct);
        var undelivered = await fr.ScalarAsync(
            "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND (state <> 'delivered' OR receipt_jws IS NULL)", ct);
        report.Check("every message delivered with GB's receipt", undelivered == 0 && outgoing >= acknowledged.Count,
            $"{outgoing} messages, {undelivered} without a receipt (queued or dead-lettered)");
        var incoming = await gb.ScalarAsync("SELECT count(*) FROM messages WHERE direction = 'incoming'", ct);
        report.Check("each message applied once at GB", incoming == outgoing, $"FR sent {outgoing}, GB stored {incoming}");

        await SettleAsync(fr, gb, ct);
        foreach (var (country, db) in new[] { ("FR", fr), ("GB", gb) })
        {
            var feed = await db.ScalarAsync("SELECT count(*) FROM feed_events WHERE position IS NOT NULL", ct);
            var feedMax = await db.ScalarAsync("SELECT coalesce(max(position), 0) FROM feed_events", ct);
            var feedOpen = await db.ScalarAsync("SELECT count(*) FROM feed_events WHERE position IS NULL", ct);
            report.Check($"{country} feed gap-free", feed == feedMax && feedOpen == 0,
                $"{feed} events, last position {feedMax}, {feedOpen} not numbered");
            var audit = await db.ScalarAsync("SELECT count(*) FROM audit_entries", ct);
            var auditSpan = await db.ScalarAsync("SELECT coalesce(max(log_index) - min(log_index) + 1, 0) FROM audit_entries", ct);
            var auditOpen = await db.ScalarAsync("SELECT count(*) FROM audit_pending", ct);
            report.Check($"{country} audit log sequenced, no gap", audit == auditSpan && auditOpen == 0,
                $"{audit} entries, {auditOpen} pending");
        }

        await VerifyEvidenceAsync(report, acknowledged, frNode, evidenceSample, log, ct);
    }

    private static void SameSet(CampaignReport report, string name, HashSet<Guid> expected, List<Guid> stored)
    {
        var set = stored.ToHashSet();
        var missing = expected.Count(id => !set.Contains(id));
        var extra = set.Count(id => !expected.Contains(id));
        var duplicates = stored.Count - set.Count;
        report.Check(name, missing == 0 && extra == 0 && duplicates == 0,
            $"{stored.Count} stored: {missing} missing, {extra} never acknowledged, {duplicates} duplicates");
    }

    /// <summary>The feed and audit sequencers number what the last transactions left; wait until they are done.</summary>
    private static async Task SettleAsync(CampaignDatabase fr, CampaignDatabase gb, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < SettleTimeout)
        {
            long open = 0;
            foreach (var db in new[] { fr, gb })
            {
                open += await db.ScalarAsync("SELECT count(*) FROM feed_events WHERE position IS NULL", ct);
                open += await db.ScalarAsync("SELECT count(*) FROM audit_pending", ct);
            }

            if (open == 0)
                return;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private static async Task VerifyEvidenceAsync(CampaignReport report, HashSet<Guid> acknowledged, DevNode fr, int sample,
        Action<string> log, CancellationToken ct)
    {
        var ids = acknowledged.OrderBy(_ => Random.Shared.Next()).Take(sample > 0 ? sample : acknowledged.Count).ToList();
        log($"Verifying the evidence packs of {ids.Count} referrals (FR's, with GB's receipts)...");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await NodeToken.FetchMinistryTokenAsync(fr, ct));
        var failures = new List<string>();
        var verified = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, async (id, token) =>
        {
            using var response = await http.GetAsync($"{fr.Url}/api/v1/referrals/{id}/evidence", token);
            string? failure;
            if (!response.IsSuccessStatusCode)
            {
                failure = $"{id}: GET evidence answered {(int)response.StatusCode}";
            }
            else
            {
                var result = EvidenceVerifier.Verify(await response.Content.ReadAsByteArrayAsync(token));
                failure = result.Failure is { } f ? $"{id}: {f}" : null;
            }

            lock (failures)
            {
                if (failure is null)
                    verified++;
                else
                    failures.Add(failure);
            }
        });
        report.Check("evidence packs verify (GB's receipts included)", failures.Count == 0 && verified == ids.Count,
            failures.Count == 0 ? $"{verified} of {ids.Count} packs" : $"{failures.Count} of {ids.Count} fail, first: {failures[0]}");
    }
}
