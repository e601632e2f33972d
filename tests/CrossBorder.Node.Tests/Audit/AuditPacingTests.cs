using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CrossBorder.Node.Tests.Audit;

/// <summary>
/// Issue 9 (the p99 at a steady rate): the audit sequencer works in small rounds as commits wake it, while checkpoints
/// keep their own pace. Before, it slept a whole checkpoint interval between rounds and moved five seconds of entries
/// at once, a burst that held a core for a few hundred milliseconds and queued the requests behind it.
/// </summary>
public sealed class AuditPacingTests
{
    private const string AMinute = "00:01:00";

    [Test]
    public async Task AnEntry_IsSequencedSoonAfterItsCommit_ThoughCheckpointsAreAMinuteApart()
    {
        await using var pair = await NodePair.StartAsync(adjust: (_, c) => c["Audit:CheckpointInterval"] = AMinute);
        using var ministry = await pair.Fr.MinistryAsync();
        using var auditor = await pair.Fr.AuditorAsync();
        // The first round at start signs the first checkpoint; the next may not be signed for a minute.
        await NodePair.EventuallyAsync(() => AuditProbe.ScalarAsync(pair.Fr, "SELECT count(*) FROM audit_checkpoints"), n => n > 0);

        using var created = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();

        // Well within the minute (the probe's 20 s): the commit woke the sequencer, which did not wait for the checkpoint pace.
        var entries = await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(auditor, $"&referralId={id}"),
            e => e.Any(x => x["kind"]!.GetValue<string>() == AuditKinds.StepTaken), because: "the create's entries are in the log");
        Assert.That(entries.Select(e => e["kind"]!.GetValue<string>()), Does.Contain(AuditKinds.MessageSent));
    }

    [Test]
    public async Task ARound_SignsACheckpointOnlyWhenThePaceAllows_AndSaysWhenThatIs()
    {
        // The test leads FR's log: it holds the sequencers' lock before FR starts, so FR's own sequencer stands by.
        NpgsqlConnection? leader = null;
        await using var pair = await NodePair.StartAsync(async name =>
            {
                var connectionString = await TestDatabase.CreateAsync(name);
                if (name == "fr")
                {
                    leader = new NpgsqlConnection(connectionString);
                    await leader.OpenAsync();
                    await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockIds.AuditSequencer})", leader);
                    await take.ExecuteNonQueryAsync();
                }
                return connectionString;
            },
            adjust: (_, c) => c["Audit:CheckpointInterval"] = AMinute);
        await using var connection = leader!;
        var sequencer = ActivatorUtilities.CreateInstance<AuditSequencer>(pair.Fr.Services);
        using var ministry = await pair.Fr.MinistryAsync(); // a token issued: an entry

        var first = await sequencer.SequenceAsync(connection, CancellationToken.None);
        Assert.That(first.Sequenced, Is.GreaterThan(0));
        Assert.That(first.Checkpoint, Is.Not.Null, "no checkpoint yet: the first round signs one");
        Assert.That(first.CheckpointDueIn, Is.Null, "the checkpoint covers the log");

        using (var created = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral()))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var second = await sequencer.SequenceAsync(connection, CancellationToken.None);
        Assert.That(second.Sequenced, Is.GreaterThanOrEqualTo(2), "the create's entries are sequenced at once");
        Assert.That(second.Checkpoint, Is.Null, "a minute has not passed since the last checkpoint");
        Assert.That(second.CheckpointDueIn, Is.GreaterThan(TimeSpan.FromSeconds(30)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(1)));

        // A round with nothing new (or only the delivery's entry) still signs nothing, and still says when it may.
        var idle = await sequencer.SequenceAsync(connection, CancellationToken.None);
        Assert.That(idle.Checkpoint, Is.Null);
        Assert.That(idle.CheckpointDueIn, Is.Not.Null.And.GreaterThan(TimeSpan.Zero));

        pair.Fr.Clock.Advance(TimeSpan.FromMinutes(1));
        var signed = await sequencer.SequenceAsync(connection, CancellationToken.None);
        Assert.That(signed.Checkpoint, Is.Not.Null, "the pace allows it now: the grown log is signed");
        Assert.That(signed.CheckpointDueIn, Is.Null);
        Assert.That(await AuditProbe.ScalarAsync(pair.Fr, "SELECT max(tree_size) FROM audit_checkpoints"), Is.EqualTo(signed.TreeSize));
        Assert.That(await AuditProbe.ScalarAsync(pair.Fr, "SELECT count(*) FROM audit_entries"), Is.EqualTo(signed.TreeSize),
            "the checkpoint covers every entry sequenced in the rounds between");
    }
}
