using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Local;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;
using CrossBorder.Node.Tests.WritePath;
using CrossBorder.Core.Crypto;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// Found by <c>crossborder bench faults</c>: GB received FR's submission, but the answer carrying GB's receipt was lost
/// (the FR replica sending it was killed), so FR's submission was still in flight when GB's decision arrived. FR
/// stored the decision as a conflict (not allowed while SUBMITTED) and receipted it, while GB applied its decision on
/// that receipt: GB ACCEPTED, FR UNDER_EXAMINATION for good. A submission awaiting its receipt is FR's own step in
/// flight like any other (docs/agreement.md): the peer's step is refused with 429 <c>CB0111</c> until FR holds the
/// receipt, then applied on both nodes.
/// </summary>
public sealed class SubmissionReceiptRaceTests
{
    [Test]
    public async Task PeerStepBeforeTheSubmissionsReceipt_Refused429_ThenAppliedOnBothNodes()
    {
        // FR's deliveries go to a port that takes connections and never answers: its submission stays in flight.
        var blackholePort = LocalPostgres.FindFreePort();
        await using var blackhole = new BlackholePeer(blackholePort);
        var gbLogs = new Retention.LogCapture();
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country == "FR")
            {
                c["Node:Peers:0:Url"] = $"http://127.0.0.1:{blackholePort}/";
                c["Exchange:Lease"] = "00:00:02"; // the restarted FR takes the submission over soon after
            }
        }, configure: (country, b) =>
        {
            if (country == "GB") b.Logging.AddProvider(gbLogs);
        });
        var cases = await CaseDriver.CreateAsync(pair);
        using var created = await NodePair.PostReferralAsync(cases.Fr, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        // GB gets FR's submission as FR signed it (the delivery whose answer never reached FR), and receipts it.
        var jws = await SubmissionAsync(pair.Fr);
        using (var exchange = await new FrImpersonator(pair).ExchangeClientAsync())
        using (var delivered = await FrImpersonator.DeliverAsync(exchange, jws))
            Assert.That(delivered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await delivered.Content.ReadAsStringAsync());

        using (var decided = await cases.StepAsync(cases.Gb, id, Lifecycle.Decision, cases.Body(Lifecycle.Decision)))
            Assert.That(decided.StatusCode, Is.EqualTo(HttpStatusCode.OK), await decided.Content.ReadAsStringAsync());

        // GB's decision reaches FR, which still waits for its submission's receipt: refused, nothing stored.
        await NodePair.EventuallyAsync(
            () => Db.ColumnAsync(pair.Gb.ConnectionString, "SELECT last_error FROM messages WHERE direction = 'outgoing'"),
            errors => errors.SingleOrDefault() is { } error && error.Contains("CB0111"),
            because: "FR refuses GB's decision while its own submission awaits GB's receipt");
        Assert.That(pair.Gb.Services.GetRequiredService<PeerHealth>().PausedSinceLastSuccess("FR"), Is.False,
            "a refusal about one case does not pause GB's sends to FR for every case");
        Assert.That(gbLogs.Entries.Where(e => e.Category.EndsWith(".Delivery", StringComparison.Ordinal)).Select(e => e.Message),
            Has.None.Contains("CB0111"), "the agreement's ordering is not a failed delivery: Information, not a Warning per retry");
        Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, "SELECT count(*) FROM messages WHERE direction = 'incoming'"), Is.Zero);
        Assert.That(await Db.CountAsync(pair.Fr.ConnectionString, "SELECT count(*) FROM referral_steps WHERE conflict"), Is.Zero);

        // FR comes back pointing at GB: its submission is delivered again, GB's receipt comes back, then GB's decision.
        await pair.Fr.StopAsync();
        await pair.Fr.StartAsync();
        await cases.AdvanceAsync(TimeSpan.Zero); // fresh tokens for the restarted node
        var (fr, gb) = await cases.AgreeAsync(id, ReferralStatus.Accepted);
        Assert.That(fr["hasConflict"]!.GetValue<bool>() || gb["hasConflict"]!.GetValue<bool>(), Is.False, "no conflict on either node");
    }

    /// <summary>FR's signed submission as it goes on the wire (stored sealed under the case's data key).</summary>
    private static async Task<byte[]> SubmissionAsync(TestNode fr)
    {
        await using var connection = new NpgsqlConnection(fr.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT m.id, m.referral_id, m.jws, r.kek_id, r.data_key FROM messages m JOIN referrals r ON r.id = m.referral_id
            WHERE m.direction = 'outgoing'
            """, connection);
        await using var row = await command.ExecuteReaderAsync();
        Assert.That(await row.ReadAsync(), Is.True, "FR queued its submission");
        var key = new WrappedKey(row.GetString(3), row.GetFieldValue<byte[]>(4));
        return fr.Services.GetRequiredService<NodeKeys>().Cipher.Decrypt(key, row.GetGuid(1), MessageColumns.Jws(row.GetGuid(0)),
            row.GetFieldValue<byte[]>(2));
    }
}
