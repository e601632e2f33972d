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
        report.Check("every create acknowledged",
            creator.GivenUp.IsEmpty && acknowledged.Count == creator.Acknowledged.Count && acknowledged.Count == creator.Started,
            creator.GivenUp.IsEmpty ? $"{acknowledged.Count} of {creator.Started} referrals" : $"{creator.GivenUp.Count} given up, first: {creator.GivenUp.First()}");
        report.Check("no 500, no refused create", creator.Wrong.IsEmpty,
            creator.Wrong.IsEmpty ? "every failed attempt was a 503, 409, 429 or no answer" : string.Join("; ", creator.Wrong.Take(3)));

        // Ids are primary keys, so "once" is judged by the sets and by what one referral may hold only once.
        SameSet(report, "FR holds each acknowledged referral", acknowledged,
            await fr.IdsAsync("SELECT id FROM referrals WHERE direction = 'outgoing'", ct));
        SameSet(report, "GB holds each acknowledged referral", acknowledged,
            await gb.IdsAsync("SELECT id FROM referrals WHERE direction = 'incoming'", ct));

        var sent = await fr.IdsAsync("SELECT id FROM messages WHERE direction = 'outgoing'", ct);
        var perReferral = await fr.ScalarAsync(
            "SELECT count(*) FROM (SELECT referral_id FROM messages WHERE direction = 'outgoing' GROUP BY referral_id HAVING count(*) <> 1) x", ct);
        report.Check("FR queued one message per referral", perReferral == 0 && sent.Count == acknowledged.Count,
            $"{sent.Count} messages for {acknowledged.Count} referrals, {perReferral} referrals with more or fewer");
        var undelivered = await fr.ScalarAsync(
            "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND (state <> 'delivered' OR receipt_jws IS NULL)", ct);
        report.Check("every message delivered with GB's receipt", undelivered == 0, $"{undelivered} without a receipt (queued or dead-lettered)");
        SameSet(report, "GB stored exactly the messages FR sent", sent.ToHashSet(),
            await gb.IdsAsync("SELECT id FROM messages WHERE direction = 'incoming'", ct));
        foreach (var (country, db) in new[] { ("FR", fr), ("GB", gb) })
        {
            // A message applied twice would leave a second step of the same kind, or a second "created"/"received" event.
            var twice = await db.ScalarAsync(
                "SELECT count(*) FROM (SELECT referral_id FROM referral_steps GROUP BY referral_id, step HAVING count(*) > 1) x", ct)
                + await db.ScalarAsync(
                "SELECT count(*) FROM (SELECT referral_id FROM feed_events WHERE type IN ('referral.created', 'referral.received') " +
                "GROUP BY referral_id, type HAVING count(*) > 1) x", ct);
            report.Check($"{country} applied each step once", twice == 0, $"{twice} referrals with a step or event twice");
        }

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
        report.Check(name, missing == 0 && extra == 0, $"{stored.Count} stored: {missing} missing, {extra} unexpected");
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
        using var token = new RenewableToken(fr);
        var failures = new List<string>();
        var verified = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, async (id, cancel) =>
        {
            // Tokens live 5 minutes and verifying every pack may take longer.
            var used = await token.CurrentAsync(cancel);
            var response = await GetEvidenceAsync(http, fr, id, used, cancel);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                response = await GetEvidenceAsync(http, fr, id, await token.RenewAsync(used, cancel), cancel);
            }

            using var _ = response;
            string? failure;
            if (!response.IsSuccessStatusCode)
            {
                failure = $"{id}: GET evidence answered {(int)response.StatusCode}";
            }
            else
            {
                var result = EvidenceVerifier.Verify(await response.Content.ReadAsByteArrayAsync(cancel));
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

    private static async Task<HttpResponseMessage> GetEvidenceAsync(HttpClient http, DevNode fr, Guid id, string bearer, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{fr.Url}/api/v1/referrals/{id}/evidence");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await http.SendAsync(request, token);
    }
}
