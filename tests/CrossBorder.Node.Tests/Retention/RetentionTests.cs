using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Evidence;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Referrals;
using CrossBorder.Node.Tests.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.WritePath;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Node.Tests.Retention;

/// <summary>
/// Issue 14, retention: a closed case's data key is destroyed after its retention period, on each node by its own
/// schedule; metadata, digests and the audit log stay and the log still verifies; early erasure by an order;
/// replicas erase each case once.
/// </summary>
public sealed class RetentionTests
{
    [Test]
    public async Task Retention_ClosedCaseDueOnFr_FrErasesItsCopy_GbKeepsIts_AuditLogVerifies()
    {
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country == "FR") c["Retention:Default"] = "PT1S"; // GB keeps its default (P5Y)
        });
        var cases = await CaseDriver.CreateAsync(pair);
        var closed = await cases.SubmitAsync();
        await cases.TakeAsync(closed, LifecycleRules.Withdrawal, ReferralStatus.Withdrawn);
        var open = await cases.SubmitAsync();
        var digestsBefore = await Db.ColumnAsync(pair.Fr.ConnectionString, $"SELECT digest FROM messages WHERE referral_id = '{closed}' ORDER BY id");
        Assert.That(digestsBefore, Has.Count.GreaterThanOrEqualTo(2), "the submission and the withdrawal");
        Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, $"SELECT count(*) FROM referrals WHERE id = '{closed}' AND closed_at IS NOT NULL"),
            Is.EqualTo(1), "closing the case set closed_at");

        pair.Fr.Clock.Advance(TimeSpan.FromSeconds(5)); // FR's retention period (1 s) has passed by FR's clock
        var erased = await RetentionProbe.Hosted<RetentionJob>(pair.Fr).TickAsync(CancellationToken.None);
        var erasedAtGb = await RetentionProbe.Hosted<RetentionJob>(pair.Gb).TickAsync(CancellationToken.None);

        Assert.That((erased, erasedAtGb), Is.EqualTo((1, 0)), "FR erases its one due case; GB's period has not passed");
        var fr = pair.Fr.ConnectionString;
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Db.CountAsync(fr, $"""
                SELECT count(*) FROM referrals WHERE id = '{closed}' AND octet_length(data_key) = 0
                AND octet_length(personal_data) = 0 AND erased_at IS NOT NULL AND status = 'WITHDRAWN'
                """), Is.EqualTo(1), "FR: data key and personal data gone, erased_at set, metadata kept");
            Assert.That(await Db.CountAsync(fr, $"SELECT count(*) FROM messages WHERE referral_id = '{closed}' AND octet_length(jws) > 0"),
                Is.Zero, "FR: message texts gone");
            Assert.That(await Db.ColumnAsync(fr, $"SELECT digest FROM messages WHERE referral_id = '{closed}' ORDER BY id"),
                Is.EqualTo(digestsBefore), "FR: message digests kept");
            Assert.That(await Db.CountAsync(fr, $"SELECT count(*) FROM referrals WHERE id = '{open}' AND erased_at IS NULL AND octet_length(data_key) > 0"),
                Is.EqualTo(1), "FR: an open case is not touched");
            Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, $"""
                SELECT count(*) FROM referrals WHERE id = '{closed}' AND erased_at IS NULL AND octet_length(data_key) > 0
                """), Is.EqualTo(1), "GB keeps its copy");
        });

        var erasedAt = await Db.CountAsync(fr, $"SELECT (extract(epoch FROM erased_at) * 1000)::bigint FROM referrals WHERE id = '{closed}'");
        using var frMinistry = await pair.Fr.MinistryAsync();
        using (var read = await frMinistry.GetAsync($"api/v1/referrals/{closed}"))
            Assert.That((await RetentionProbe.AssertErasedAsync(read, "GET referral")).ToUnixTimeMilliseconds(), Is.EqualTo(erasedAt));
        using (var messages = await frMinistry.GetAsync($"api/v1/referrals/{closed}/messages"))
            await RetentionProbe.AssertErasedAsync(messages, "GET messages");
        var list = await NodePair.GetJsonAsync(frMinistry, "api/v1/referrals?limit=200");
        var listed = list["items"]!.AsArray().Select(i => i!.AsObject()).SingleOrDefault(i => i["id"]!.GetValue<string>() == closed);
        Assert.That(listed?["status"]?.GetValue<string>(), Is.EqualTo(ReferralStatus.Withdrawn), "the erased case's metadata is still listed");
        Assert.That(RetentionProbe.PersonalValues.Where(list.ToJsonString().Contains), Is.Empty);

        using var gbMinistry = await pair.Gb.MinistryAsync();
        var (gbStatus, gbBody) = await RetentionProbe.GetAsync(gbMinistry, $"api/v1/referrals/{closed}");
        Assert.That(gbStatus, Is.EqualTo(HttpStatusCode.OK), gbBody);
        Assert.That(gbBody, Does.Contain("Haile"), "GB still reads its copy with the personal data");
        Assert.That((await RetentionProbe.GetAsync(gbMinistry, $"api/v1/referrals/{closed}/messages")).Status, Is.EqualTo(HttpStatusCode.OK));

        using var auditor = await pair.Fr.AuditorAsync();
        var checkpoint = await AuditProbe.SettledCheckpointAsync(pair.Fr, auditor);
        var entries = await AuditProbe.EntriesAsync(auditor);
        var erasures = entries.Where(e => e["kind"]!.GetValue<string>() == AuditKinds.ReferralErased).ToList();
        Assert.That(erasures.Select(e => e["referralId"]?.GetValue<string>()), Is.EqualTo(new[] { closed }), "one erasure entry, for that case");
        Assert.That(erasures[0]["client"]!.GetValue<string>(), Is.EqualTo(Erasure.RetentionClient));
        var leaves = entries.Select(e => Encoding.UTF8.GetString(AuditProbe.Leaf(e))).ToList();
        Assert.That(leaves.Where(l => RetentionProbe.PersonalValues.Any(l.Contains)), Is.Empty, "no personal data in the log");
        var sent = entries.Where(e => e["kind"]!.GetValue<string>() == AuditKinds.MessageSent && e["referralId"]?.GetValue<string>() == closed)
            .Select(e => e["digest"]!.GetValue<string>()).Order().ToList();
        Assert.That(sent, Is.EqualTo(digestsBefore.Order().ToList()), "the log's message digests match the digests kept");
        Assert.That(checkpoint["treeSize"]!.GetValue<long>(), Is.GreaterThan(erasures[0]["index"]!.GetValue<long>()),
            "the cosigned checkpoint covers the erasure");
        var (exit, output) = await AuditProbe.VerifyAsync(pair.Fr);
        Assert.That(exit, Is.Zero, output);

        // The case's evidence: with personal data it is gone; without, its digests, receipts and proofs still verify.
        using (var full = await frMinistry.GetAsync($"api/v1/referrals/{closed}/evidence?include=personal-data"))
            await RetentionProbe.AssertErasedAsync(full, "evidence with personal data");
        var (packStatus, pack) = await RetentionProbe.GetAsync(auditor, $"api/v1/referrals/{closed}/evidence");
        Assert.That(packStatus, Is.EqualTo(HttpStatusCode.OK), pack);
        var verified = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(pack));
        Assert.That(verified.IsValid, Is.True, verified.Failure?.ToString());
        Assert.That(JsonNode.Parse(pack)!["messages"]!.AsArray().Select(m => m!["sha256"]?.GetValue<string>()).Order(),
            Is.EqualTo(digestsBefore.Order()), "the pack carries the kept digests");
        Assert.That(RetentionProbe.PersonalValues.Where(pack.Contains), Is.Empty);
    }

    [Test]
    public async Task Retention_PeriodOfTheLegalBasis_OverridesTheDefault()
    {
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country != "FR") return;
            c["Retention:Default"] = "PT1S";
            c["Retention:ByLegalBasis:DUBLIN_III_ART8"] = "P30D"; // the example referral's basis
        });
        var cases = await CaseDriver.CreateAsync(pair);
        var closed = await cases.SubmitAsync();
        await cases.TakeAsync(closed, LifecycleRules.Withdrawal, ReferralStatus.Withdrawn);
        var job = RetentionProbe.Hosted<RetentionJob>(pair.Fr);

        pair.Fr.Clock.Advance(TimeSpan.FromDays(29));
        Assert.That(await job.TickAsync(CancellationToken.None), Is.Zero, "29 days after closing: kept (the default would have erased it)");
        Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, $"SELECT count(*) FROM referrals WHERE id = '{closed}' AND erased_at IS NULL"),
            Is.EqualTo(1));
        pair.Fr.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.That(await job.TickAsync(CancellationToken.None), Is.EqualTo(1), "30 days after closing: erased");
        Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, $"SELECT count(*) FROM referrals WHERE id = '{closed}' AND erased_at IS NOT NULL"),
            Is.EqualTo(1));
    }

    [Test]
    public async Task EarlyErasure_OpenCase_StepsAndPeerMessagesRefused_QueuedDeadLettered_Idempotent()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var id = await cases.SubmitAsync(); // UNDER_EXAMINATION on both nodes
        var erasure = pair.Gb.Services.GetRequiredService<Erasure>();

        var (first, firstErased) = await erasure.EraseOnceAsync(Guid.Parse(id), "gb-operator", "order of the court, case 2026/77",
            CancellationToken.None);
        var (second, secondErased) = await erasure.EraseOnceAsync(Guid.Parse(id), "gb-operator", "again", CancellationToken.None);
        var third = await erasure.EraseAsync(Guid.Parse(id), "gb-operator", "and again", CancellationToken.None);
        var unknown = await erasure.EraseAsync(Guid.CreateVersion7(), "gb-operator", "no such case", CancellationToken.None);

        Assert.That(first, Is.Not.Null);
        Assert.That((firstErased, secondErased), Is.EqualTo((true, false)), "only the first call erases");
        Assert.That(new[] { second, third }, Has.All.EqualTo(first), "a later erasure returns the first one's time");
        Assert.That(unknown, Is.Null, "a case this node does not hold");
        var gb = pair.Gb.ConnectionString;
        const string erasedKinds = "kind = 'referral.erased'";
        Assert.That(await Db.CountAsync(gb, $"""
            SELECT (SELECT count(*) FROM audit_pending WHERE {erasedKinds} AND referral_id = '{id}')
                 + (SELECT count(*) FROM audit_entries WHERE {erasedKinds} AND referral_id = '{id}')
            """), Is.EqualTo(1), "one audit entry, however many erasures");
        // One statement, one snapshot: read apart, an entry the sequencer moves between the two reads would count twice.
        Assert.That(await Db.CountAsync(gb, $"""
            SELECT (SELECT count(*) FROM audit_pending WHERE {erasedKinds}) + (SELECT count(*) FROM audit_entries WHERE {erasedKinds})
            """), Is.EqualTo(1), "nothing for the unknown case");

        // GB's ministry: a step on the erased case answers 410, as do its reads.
        var decision = cases.Body(LifecycleRules.Decision, accept: false);
        using (var step = await cases.StepAsync(cases.Gb, id, LifecycleRules.Decision, decision, etag: "*"))
            Assert.That(await RetentionProbe.AssertErasedAsync(step, "a step"), Is.EqualTo(first));
        using (var read = await cases.Gb.GetAsync($"api/v1/referrals/{id}"))
            await RetentionProbe.AssertErasedAsync(read, "GET referral");
        Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM referral_steps WHERE referral_id = '{id}' AND step = 'decision'"), Is.Zero);

        // FR still holds the case: its next message for it is refused by GB and dead-lettered; GB stores nothing.
        var gbMessages = await Db.CountAsync(gb, $"SELECT count(*) FROM messages WHERE referral_id = '{id}'");
        using (var withdrawal = await cases.StepAsync(cases.Fr, id, LifecycleRules.Withdrawal, cases.Body(LifecycleRules.Withdrawal)))
            Assert.That(withdrawal.StatusCode, Is.EqualTo(HttpStatusCode.OK), await withdrawal.Content.ReadAsStringAsync());
        var refused = await NodePair.EventuallyAsync(() => Db.ColumnAsync(pair.Fr.ConnectionString,
                $"SELECT state || ' ' || coalesce(last_error, '') FROM messages WHERE referral_id = '{id}' AND type = 'referral.withdrawn'"),
            rows => rows.Count == 1 && rows[0]!.StartsWith("dead_letter"), because: "FR dead-letters the message GB refuses");
        Assert.That(refused[0], Does.Contain("410").And.Contain("CB0210"));
        Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM messages WHERE referral_id = '{id}'"), Is.EqualTo(gbMessages), "GB stored nothing");
        Assert.That(await Db.CountAsync(gb, $"SELECT count(*) FROM referrals WHERE id = '{id}' AND status = 'UNDER_EXAMINATION' AND erased_at IS NOT NULL"),
            Is.EqualTo(1), "GB applied nothing");

        // What this node still had queued for the peer when the case was erased is dead-lettered, never sent.
        await pair.Gb.StopAsync();
        using var created = await NodePair.PostReferralAsync(cases.Fr, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var queued = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var fr = pair.Fr.ConnectionString;
        // Erased between two attempts, not during one: a send already in flight (its in-memory HTTP retries included) holds
        // the decrypted message and is not stopped by the erasure (see the report). The test holds the message row, which
        // a claim skips, from a moment no send holds it until the erasure waits for it.
        await using (var hold = new NpgsqlConnection(fr))
        {
            await hold.OpenAsync();
            await using var tx = await hold.BeginTransactionAsync();
            await NodePair.EventuallyAsync(async () =>
            {
                await using var take = new NpgsqlCommand($"""
                    SELECT id FROM messages WHERE referral_id = '{queued}' AND attempts > 0 AND lease_token IS NULL FOR UPDATE SKIP LOCKED
                    """, hold, tx);
                return await take.ExecuteScalarAsync();
            }, held => held is not null, because: "FR has tried to send while GB is down, and is between two attempts");
            var erasing = pair.Fr.Services.GetRequiredService<Erasure>().EraseAsync(Guid.Parse(queued), "fr-operator", "order", CancellationToken.None);
            await NodePair.EventuallyAsync(() => Db.LockWaitersAsync(fr, "erase_referral"), n => n == 1,
                because: "the erasure waits for the held message row");
            await tx.CommitAsync();
            await erasing;
        }
        Assert.That(await Db.ColumnAsync(fr, $"SELECT state || '/' || last_error || '/' || (lease_token IS NULL) FROM messages WHERE referral_id = '{queued}'"),
            Is.EqualTo(new[] { "dead_letter/case erased/true" }));

        await pair.Gb.StartAsync();
        var later = await cases.SubmitAsync(); // the outbox runs again: a later case is delivered
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Db.ColumnAsync(fr, $"SELECT state FROM messages WHERE referral_id = '{queued}'"), Is.EqualTo(new[] { "dead_letter" }),
                "the erased case's message stays dead");
            Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, $"SELECT count(*) FROM referrals WHERE id = '{queued}'"), Is.Zero,
                "GB never received the erased case");
            Assert.That(await Db.CountAsync(pair.Gb.ConnectionString, $"SELECT count(*) FROM referrals WHERE id = '{later}'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Retention_TwoReplicasTickTogether_EveryDueCaseErasedOnce()
    {
        const int Cases = 12;
        static void Short(string country, Dictionary<string, string?> c)
        {
            // Long enough that no case falls due on the test clock's real time while the replica starts (its start-up
            // pass would erase it, and the two passes below would report fewer); the test moves the clock past it.
            if (country == "FR") c["Retention:Default"] = "PT1M";
        }
        await using var pair = await NodePair.StartAsync(adjust: Short);
        var cases = await CaseDriver.CreateAsync(pair);
        var ids = await Task.WhenAll(Enumerable.Range(0, Cases).Select(async _ =>
        {
            var id = await cases.SubmitAsync();
            await cases.TakeAsync(id, LifecycleRules.Withdrawal, ReferralStatus.Withdrawn);
            return id;
        }));
        await using var replica = pair.Fr.Replica();
        await replica.StartAsync(c => Short("FR", c));
        var jobs = new[] { RetentionProbe.Hosted<RetentionJob>(pair.Fr), RetentionProbe.Hosted<RetentionJob>(replica) };
        // Each job's own pass at start must be over before the cases fall due: one that read the clock after the advance
        // would erase some of them itself, and the two passes below would report fewer.
        await NodePair.EventuallyAsync(() => Task.FromResult(jobs.Min(j => j.Passes)), n => n >= 1, because: "both start-up passes done");
        pair.Fr.Clock.Advance(TimeSpan.FromMinutes(2)); // the replica shares FR's clock

        using var start = new SemaphoreSlim(0);
        var ticks = jobs.Select(job => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await job.TickAsync(CancellationToken.None);
        })).ToList();
        start.Release(2);
        var counts = await Task.WhenAll(ticks);

        var fr = pair.Fr.ConnectionString;
        var perCase = await Db.ColumnAsync(fr, """
            SELECT referral_id || ':' || count(*) FROM (
                SELECT referral_id FROM audit_pending WHERE kind = 'referral.erased'
                UNION ALL SELECT referral_id FROM audit_entries WHERE kind = 'referral.erased') e
            GROUP BY referral_id ORDER BY referral_id
            """);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Db.CountAsync(fr, "SELECT count(*) FROM referrals WHERE erased_at IS NOT NULL AND octet_length(data_key) = 0"),
                Is.EqualTo(Cases), "every due case erased");
            Assert.That(perCase, Is.EqualTo(ids.Order().Select(id => $"{id}:1")), "one referral.erased entry per case");
            Assert.That(counts.Sum(), Is.EqualTo(Cases), $"the replicas report each erasure once (reported {string.Join(" + ", counts)})");
        });
        using var auditor = await pair.Fr.AuditorAsync();
        await AuditProbe.SettledCheckpointAsync(pair.Fr, auditor);
        var (exit, output) = await AuditProbe.VerifyAsync(pair.Fr);
        Assert.That(exit, Is.Zero, output);
    }
}
