using System.Diagnostics;
using System.Text;
using System.Text.Json;
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

    public static async Task RunAsync(CampaignReport report, CampaignRun run, int evidenceSample, Action<string> log, CancellationToken ct)
    {
        var (creator, withdrawer, decider, fr, gb, frNode) = run;
        var (frClient, frStepClient, gbClient) = (creator.Client, withdrawer.Client, decider.Client);
        var acknowledged = creator.Acknowledged.ToHashSet();
        report.Check("every create acknowledged",
            frClient.GivenUp.IsEmpty && acknowledged.Count == creator.Acknowledged.Count && acknowledged.Count == creator.Started,
            frClient.GivenUp.IsEmpty ? $"{acknowledged.Count} of {creator.Started} referrals" : $"{frClient.GivenUp.Count} given up, first: {frClient.GivenUp.First()}");
        var withdrawn = withdrawer.Taken.ToHashSet();
        var decided = decider.Taken.ToHashSet();
        // FR's withdrawal is allowed in every open status, so only GB's decision can be overtaken (by a withdrawal).
        var overtakenWrongly = decider.Overtaken.Count(o => o.Value != "WITHDRAWN" || !withdrawn.Contains(o.Key)) + withdrawer.Overtaken.Count;
        var stepsGivenUp = frStepClient.GivenUp.Concat(gbClient.GivenUp).ToList();
        report.Check("every step acknowledged or overtaken by a withdrawal",
            stepsGivenUp.Count == 0 && overtakenWrongly == 0
            && withdrawn.Count == withdrawer.Picked && decided.Count + decider.Overtaken.Count == decider.Picked
            && withdrawn.Count > 0 && decided.Count > 0,
            stepsGivenUp.Count == 0
                ? $"GB accepted {decided.Count} of {decider.Picked} ({decider.Overtaken.Count} withdrawn first), " +
                  $"FR withdrew {withdrawn.Count} of {withdrawer.Picked}, {overtakenWrongly} overtaken otherwise"
                : $"{stepsGivenUp.Count} given up, first: {stepsGivenUp[0]}");
        var wrongAnswers = frClient.Wrong.Concat(frStepClient.Wrong).Concat(gbClient.Wrong).ToList();
        report.Check("no 500, no refused request", wrongAnswers.Count == 0,
            wrongAnswers.Count == 0
                ? "every failed attempt was a 503, 409, 412, 429 or no answer"
                : string.Join("; ", wrongAnswers.Take(3)));

        // Ids are primary keys, so "once" is judged by the sets and by what one referral may hold only once.
        SameSet(report, "FR holds each acknowledged referral", acknowledged,
            await fr.IdsAsync("SELECT id FROM referrals WHERE direction = 'outgoing'", ct));
        SameSet(report, "GB holds each acknowledged referral", acknowledged,
            await gb.IdsAsync("SELECT id FROM referrals WHERE direction = 'incoming'", ct));
        await OneMessagePerStepAsync(report, "FR", fr, acknowledged.Count + withdrawn.Count, ct);
        await OneMessagePerStepAsync(report, "GB", gb, decided.Count, ct);
        await DeliveredOnceAsync(report, "FR", fr, "GB", gb, ct);
        await DeliveredOnceAsync(report, "GB", gb, "FR", fr, ct);
        foreach (var (country, db) in new[] { ("FR", fr), ("GB", gb) })
        {
            // A message applied twice would leave a second step of the same kind, or a second "created"/"received" event.
            var twice = await db.CountAsync(
                "SELECT count(*) FROM (SELECT referral_id FROM referral_steps GROUP BY referral_id, step HAVING count(*) > 1) x", ct)
                + await db.CountAsync(
                "SELECT count(*) FROM (SELECT referral_id FROM feed_events WHERE type IN ('referral.created', 'referral.received') " +
                "GROUP BY referral_id, type HAVING count(*) > 1) x", ct);
            report.Check($"{country} applied each step once", twice == 0, $"{twice} referrals with a step or event twice");
        }

        // Agreement is judged on the history each node shows (GET .../referrals/{id}: every column of it but the node's own
        // row ids), in history order, not on the status alone.
        var frHistory = await fr.MapAsync(HistorySql("outgoing"), ct);
        var gbHistory = await gb.MapAsync(HistorySql("incoming"), ct);
        var disagree = frHistory.Where(p => gbHistory.GetValueOrDefault(p.Key) != p.Value).Select(p => p.Key).ToList();
        report.Check("both nodes show the same history of every case", disagree.Count == 0 && frHistory.Count == gbHistory.Count,
            disagree.Count == 0
                ? $"{frHistory.Count} cases"
                : $"{disagree.Count} differ, first {disagree[0]}: FR {frHistory[disagree[0]]} / GB {gbHistory.GetValueOrDefault(disagree[0])}");
        var frStatus = await fr.MapAsync("SELECT id, status FROM referrals WHERE direction = 'outgoing'", ct);
        var wrong = frStatus.Count(p => p.Value != (withdrawn.Contains(p.Key) ? "WITHDRAWN" : decided.Contains(p.Key) ? "ACCEPTED" : "UNDER_EXAMINATION"));
        report.Check("every case where its steps put it", wrong == 0,
            $"{frStatus.Count(p => p.Value == "ACCEPTED")} accepted, {frStatus.Count(p => p.Value == "WITHDRAWN")} withdrawn, {wrong} elsewhere");
        // Only a decision and a withdrawal taken before either side received the other's cross; the decision loses. The
        // two ministries act on the same cases within a second of each other, so a run without a crossing did not test it.
        var crossings = await fr.IdsAsync("SELECT referral_id FROM referral_steps WHERE conflict", ct);
        var stray = crossings.Count(id => !withdrawn.Contains(id) || !decided.Contains(id));
        report.Check("crossings happened, conflicts only there", stray == 0 && crossings.Count > 0,
            $"{crossings.Count} decisions lost a crossing to a withdrawal, {stray} conflicts elsewhere");
        report.Figure("faults_crossings", "FR<->GB", crossings.Count, "referrals");

        await SettleAsync(fr, gb, ct);
        foreach (var (country, db) in new[] { ("FR", fr), ("GB", gb) })
        {
            var feed = await db.CountAsync("SELECT count(*) FROM feed_events WHERE position IS NOT NULL", ct);
            var feedMax = await db.CountAsync("SELECT coalesce(max(position), 0) FROM feed_events", ct);
            var feedOpen = await db.CountAsync("SELECT count(*) FROM feed_events WHERE position IS NULL", ct);
            report.Check($"{country} feed gap-free", feed == feedMax && feedOpen == 0,
                $"{feed} events, last position {feedMax}, {feedOpen} not numbered");
            var audit = await db.CountAsync("SELECT count(*) FROM audit_entries", ct);
            var auditSpan = await db.CountAsync("SELECT coalesce(max(log_index) - min(log_index) + 1, 0) FROM audit_entries", ct);
            var auditOpen = await db.CountAsync("SELECT count(*) FROM audit_pending", ct);
            report.Check($"{country} audit log sequenced, no gap", audit == auditSpan && auditOpen == 0,
                $"{audit} entries, {auditOpen} pending");
        }

        await VerifyEvidenceAsync(report, acknowledged, frNode, evidenceSample, log, ct);
    }

    /// <summary>
    /// No replica's log (Warning and above, where exception messages land: thousands of them in a campaign) holds a
    /// personal value of the referral every create sent: the names, dates, places, document numbers and address of the
    /// child and the family member. Codes and enumerations (<c>ERI</c>, <c>SIBLING</c>) and short values are not looked for.
    /// </summary>
    public static void NoPersonalDataInLogs(CampaignReport report, string logDirectory, byte[] referral)
    {
        using var document = JsonDocument.Parse(referral);
        var root = document.RootElement;
        var personal = PersonalValues(root.GetProperty("child"))
            .Concat(root.GetProperty("familyMembers").EnumerateArray().SelectMany(PersonalValues))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var files = Directory.GetFiles(logDirectory, "*.log");
        var found = new List<string>();
        long lines = 0;
        foreach (var file in files)
        {
            foreach (var line in File.ReadLines(file))
            {
                lines++;
                if (personal.FirstOrDefault(v => line.Contains(v, StringComparison.OrdinalIgnoreCase)) is { } value && found.Count < 3)
                    found.Add($"{Path.GetFileName(file)} holds '{value}'");
            }
        }

        report.Check("no personal data in any replica's log", found.Count == 0 && personal.Count > 0 && files.Length > 0,
            found.Count == 0
                ? $"{lines} lines of {files.Length} logs, none holding any of {personal.Count} personal values"
                : string.Join("; ", found));
    }

    private static IEnumerable<string> PersonalValues(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => PersonalValues(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(PersonalValues),
        JsonValueKind.String when element.GetString() is { Length: >= 5 } text && !text.All(c => char.IsAsciiLetterUpper(c) || c == '_') => [text],
        _ => [],
    };

    private static async Task OneMessagePerStepAsync(CampaignReport report, string country, NodeDatabase db, long expected,
        CancellationToken ct)
    {
        var sent = await db.CountAsync("SELECT count(*) FROM messages WHERE direction = 'outgoing'", ct);
        var twice = await db.CountAsync(
            "SELECT count(*) FROM (SELECT referral_id FROM messages WHERE direction = 'outgoing' GROUP BY referral_id, type HAVING count(*) > 1) x", ct);
        report.Check($"{country} queued one message per step", twice == 0 && sent == expected,
            $"{sent} messages for {expected} steps, {twice} referrals with a message type twice");
    }

    /// <summary>
    /// Each case's history as <c>GET /api/v1/referrals/{id}</c> shows it (the columns of its <c>history</c>, in its order),
    /// with each entry's position, which must be the same on both nodes: one text per case, a JSON array per entry (a
    /// null keeps its place). Both nodes' databases run in one server and are read alike, so timestamps print alike.
    /// </summary>
    public static string HistorySql(string direction) => $"""
        SELECT r.id, string_agg(jsonb_build_array(s.position, s.step, s.outcome, s.taken_by, s.from_status, s.to_status, s.at,
                                                  s.message_id, s.conflict, s.state, s.taken_at, s.legal_at, s.in_time)::text, ' ; '
                                ORDER BY s.position NULLS LAST, s.step)
        FROM referrals r JOIN referral_steps s ON s.referral_id = r.id
        WHERE r.direction = '{direction}'
        GROUP BY r.id
        """;

    /// <summary>Every message <paramref name="from"/> sent holds the peer's receipt, and the peer stored exactly those.</summary>
    private static async Task DeliveredOnceAsync(CampaignReport report, string from, NodeDatabase sender, string to,
        NodeDatabase receiver, CancellationToken ct)
    {
        var undelivered = await sender.CountAsync(
            "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND (state <> 'delivered' OR receipt_jws IS NULL)", ct);
        report.Check($"every {from} message delivered with {to}'s receipt", undelivered == 0,
            $"{undelivered} without a receipt (queued or dead-lettered)");
        SameSet(report, $"{to} stored exactly the messages {from} sent",
            (await sender.IdsAsync("SELECT id FROM messages WHERE direction = 'outgoing'", ct)).ToHashSet(),
            await receiver.IdsAsync("SELECT id FROM messages WHERE direction = 'incoming'", ct));
    }

    private static void SameSet(CampaignReport report, string name, HashSet<Guid> expected, List<Guid> stored)
    {
        var set = stored.ToHashSet();
        var missing = expected.Count(id => !set.Contains(id));
        var extra = set.Count(id => !expected.Contains(id));
        report.Check(name, missing == 0 && extra == 0, $"{stored.Count} stored: {missing} missing, {extra} unexpected");
    }

    /// <summary>The feed and audit sequencers number what the last transactions left; wait until they are done.</summary>
    private static async Task SettleAsync(NodeDatabase fr, NodeDatabase gb, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < SettleTimeout)
        {
            long open = 0;
            foreach (var db in new[] { fr, gb })
            {
                open += await db.CountAsync("SELECT count(*) FROM feed_events WHERE position IS NULL", ct);
                open += await db.CountAsync("SELECT count(*) FROM audit_pending", ct);
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
        // Renews its token on a 401 (verifying every pack may outlive one) and reports what it could not fetch.
        using var client = new PersistentClient(fr, TimeSpan.FromMinutes(2));
        var failures = new List<string>();
        var verified = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, async (id, cancel) =>
        {
            var pack = await client.SendAsync($"evidence of {id}",
                () => new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}/evidence"), cancel);
            var failure = pack is null ? $"{id}: the evidence could not be fetched"
                : pack.Body.ValueKind == JsonValueKind.Undefined ? $"{id}: the evidence is not JSON"
                : EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(pack.Body.GetRawText())).Failure is { } f ? $"{id}: {f}" : null;
            lock (failures)
            {
                if (failure is null)
                    verified++;
                else
                    failures.Add(failure);
            }
        });
        var unfetched = client.Wrong.Concat(client.GivenUp).FirstOrDefault();
        report.Check("evidence packs verify (GB's receipts included)", failures.Count == 0 && verified == ids.Count,
            failures.Count == 0
                ? $"{verified} of {ids.Count} packs"
                : $"{failures.Count} of {ids.Count} fail, first: {failures[0]}{(unfetched is null ? "" : $" ({unfetched})")}");
    }
}

/// <summary>What a campaign ran with: the clients and what they got acknowledged, and both nodes' databases.</summary>
public sealed record CampaignRun(PersistentCreator Creator, PersistentStepTaker Withdrawer, PersistentStepTaker Decider,
    NodeDatabase Fr, NodeDatabase Gb, DevNode FrNode);
