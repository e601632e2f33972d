using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Local;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// Issue 9: two replicas of FR on one database. Replica A (a real process) is killed with SIGKILL while its
/// sends are in flight; replica B sends A's messages once A's lease lapses (database clock), within 15 s of
/// the kill, and GB holds each referral exactly once.
/// </summary>
public sealed class ReplicaTests
{
    private const int Referrals = 8;

    [Test]
    public async Task ReplicaKilledMidSend_OtherReplicaDeliversItsMessagesWithin15Seconds()
    {
        await using var pair = await NodePair.UnstartedAsync();
        var (fr, gb) = (pair.Fr, pair.Gb);

        // GB's port accepts connections and never answers: A's sends hang, holding their claims.
        var blackhole = new BlackholePeer(gb.Port);

        var assembly = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.dll");
        var replicaA = NodeProcess.StartAssembly("FR-a", fr.Url.AbsoluteUri.TrimEnd('/'), assembly, [], fr.Environment(c =>
        {
            c["Exchange:AttemptTimeout"] = "00:05:00"; // hang, do not fail
            c["Logging:LogLevel:Default"] = "Warning";
        }));
        await using var _ = replicaA;
        await replicaA.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), CancellationToken.None);

        var client = await fr.MinistryAsync();
        var ids = new List<string>();
        for (var i = 0; i < Referrals; i++)
        {
            using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            ids.Add(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }
        await NodePair.EventuallyAsync(() => Db.CountAsync(fr.ConnectionString,
                "SELECT count(*) FROM messages WHERE state = 'queued' AND lease_token IS NOT NULL AND lease_until > clock_timestamp()"),
            n => n == Referrals, because: "replica A has claimed every message and is sending it");

        Process.GetProcessById(replicaA.ProcessId).Kill(entireProcessTree: true);
        var sinceKill = Stopwatch.StartNew();
        await replicaA.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        await blackhole.DisposeAsync();

        await gb.StartAsync();
        await using var replicaB = fr.Replica();
        await replicaB.StartAsync();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(fr.ConnectionString, "delivered"), n => n == Referrals,
            TimeSpan.FromSeconds(30), "replica B delivers what replica A had claimed");
        var elapsed = sinceKill.Elapsed;
        await TestContext.Out.WriteLineAsync($"replica A killed; its {Referrals} messages delivered by replica B {elapsed.TotalSeconds:F1} s later");

        var atGb = await Db.ColumnAsync(gb.ConnectionString, "SELECT id FROM referrals WHERE direction = 'incoming'");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(elapsed, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(15)), "sent by the other replica within 15 s of the kill");
            Assert.That(atGb.Order(), Is.EqualTo(ids.Order()), "0 lost, 0 duplicated at GB");
            Assert.That(await Db.CountAsync(gb.ConnectionString, "SELECT count(*) FROM messages WHERE direction = 'incoming'"),
                Is.EqualTo(Referrals), "GB stored each message once");
            Assert.That(await Db.CountAsync(fr.ConnectionString,
                    "SELECT count(*) FROM messages WHERE state = 'delivered' AND receipt_jws IS NOT NULL AND attempts >= 2"),
                Is.EqualTo(Referrals), "each message was claimed by A, then by B, and holds GB's receipt");
        });
    }

    /// <summary>
    /// A replica asked to stop (SIGTERM: a rolling deploy, a scale-in) while its sends hang lets them run for the drain
    /// (Workers/NodeWorker), then hands their claims back as it goes: another replica sends them at once, not after
    /// their lease. It exits with code 0, within the drain and a few seconds.
    /// </summary>
    [Test]
    public async Task ReplicaAskedToStopMidSend_ExitsCleanly_AndHandsItsClaimsBack()
    {
        await using var pair = await NodePair.UnstartedAsync();
        var (fr, gb) = (pair.Fr, pair.Gb);
        await using var blackhole = new BlackholePeer(gb.Port);

        var replica = NodeProcess.StartAssembly("FR-a", fr.Url.AbsoluteUri.TrimEnd('/'),
            Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.dll"), [], fr.Environment(c =>
            {
                c["Exchange:AttemptTimeout"] = "00:05:00"; // hang, do not fail
                c["Exchange:Lease"] = "00:01:00"; // a lease that would outlast the test: only a hand-back frees the rows
                c["Logging:LogLevel:Default"] = "Warning";
            }));
        await using var _ = replica;
        await replica.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        var client = await fr.MinistryAsync();
        for (var i = 0; i < Referrals; i++)
        {
            using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        const string leased = "SELECT count(*) FROM messages WHERE state = 'queued' AND lease_token IS NOT NULL";
        await NodePair.EventuallyAsync(() => Db.CountAsync(fr.ConnectionString, leased), n => n == Referrals,
            because: "the replica has claimed every message and is sending it");

        var stopping = Stopwatch.StartNew();
        NativeSignals.Send(replica.ProcessId, NativeSignals.SigTerm);
        await replica.Exited.WaitAsync(TimeSpan.FromSeconds(60));
        var stopped = stopping.Elapsed;
        await TestContext.Out.WriteLineAsync($"stopped in {stopped.TotalSeconds:F1} s with code {replica.ExitCode}");

        var stillLeased = await Db.CountAsync(fr.ConnectionString, leased);
        Assert.Multiple(() =>
        {
            Assert.That(replica.ExitCode, Is.Zero, "a clean exit");
            Assert.That(stopped, Is.LessThan(Workers.NodeWorker.DrainTimeout + TimeSpan.FromSeconds(5)), "within the drain and a few seconds");
            Assert.That(stillLeased, Is.Zero, "every claim handed back: another replica may send them at once");
        });
    }
}
