using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>Issue 9: claims are fenced (a stale holder changes nothing) and a poison message dead-letters.</summary>
public sealed class LeaseTests
{
    [Test]
    public async Task StaleLeaseHolder_LateReceiptAndFailure_ChangeNothing()
    {
        await using var pair = await NodePair.StartAsync();
        await pair.Gb.StopAsync(); // the message stays queued
        var fr = await pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral());
        var referralId = Guid.Parse(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        var messageId = Guid.Parse((await Db.ColumnAsync(pair.Fr.ConnectionString,
            $"SELECT id FROM messages WHERE referral_id = '{referralId}'")).Single()!);

        // Claim A lapsed (its holder stalled past its lease), then claim B took the row. Set as the dispatcher
        // would leave it; B's lease is long, so this node's own dispatcher leaves the row alone meanwhile.
        var a = new Claim(messageId, Guid.NewGuid(), 7);
        var b = new Claim(messageId, Guid.NewGuid(), 8);
        await NodePair.EventuallyAsync(() => Db.ExecuteAsync(pair.Fr.ConnectionString, """
                UPDATE messages SET lease_token = $1, lease_until = clock_timestamp() + interval '10 minutes', attempts = 8
                WHERE id = $2 AND (lease_token IS NULL OR lease_until < clock_timestamp())
                """, b.Token, messageId), n => n == 1, because: "claim B takes the row once this node's own attempt is over");

        await using var scope = pair.Fr.Services.CreateAsyncScope();
        var sent = scope.ServiceProvider.GetRequiredService<SentMessages>();
        var loaded = await sent.LoadClaimedAsync(b, CancellationToken.None);
        Assert.That(loaded, Is.Not.Null, "B holds the claim");
        Assert.That(await sent.LoadClaimedAsync(a, CancellationToken.None), Is.Null, "A's claim is stale");
        var outbound = sent.Open(loaded!);
        var receipt = Jws.Sign(ExchangeJson.Serialize(new Receipt(messageId, outbound.Message.Digest, DateTimeOffset.UtcNow, "GB",
            ReceiptOutcomes.Accepted, null)), pair.Gb.Key, JwsTypes.Receipt);

        await sent.RecordFailureAsync(a, deadLetter: true, "late failure from a stale holder", null, CancellationToken.None);
        Assert.That(await sent.RecordReceiptAsync(outbound, a, receipt, CancellationToken.None), Is.Null);
        var row = await Db.ColumnAsync(pair.Fr.ConnectionString,
            $"SELECT state || '|' || lease_token || '|' || coalesce(last_error, '') FROM messages WHERE id = '{messageId}'");
        Assert.That(row.Single(), Does.StartWith($"queued|{b.Token}|").And.Not.Contains("stale holder"),
            "a stale holder's late updates change nothing");

        Assert.That(await sent.RecordReceiptAsync(outbound, b, receipt, CancellationToken.None), Is.Null);
        var view = await NodePair.GetJsonAsync(fr, $"api/v1/referrals/{referralId}");
        Assert.Multiple(() =>
        {
            Assert.That(view["delivery"]!["state"]!.GetValue<string>(), Is.EqualTo("delivered"), "the current holder's receipt counts");
            Assert.That(view["status"]!.GetValue<string>(), Is.EqualTo("UNDER_EXAMINATION"));
        });
    }

    [Test]
    public async Task PoisonMessage_CiphertextDoesNotOpen_DeadLetteredAfterBoundedAttemptsNodeKeepsDelivering()
    {
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            c["Exchange:PoisonAttempts"] = "3";
            c["Exchange:RetryBaseDelay"] = "00:00:00.050";
        });
        await pair.Gb.StopAsync(); // queued until its stored bytes are damaged
        var fr = await pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral());
        var poisonId = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        // Damage the stored bytes once the first attempt (with the good bytes its claim returned) has failed.
        await NodePair.EventuallyAsync(() => Db.CountAsync(pair.Fr.ConnectionString,
                $"SELECT count(*) FROM messages WHERE referral_id = '{poisonId}' AND last_error IS NOT NULL AND lease_token IS NULL"),
            n => n == 1, because: "the first attempt failed while GB is down");
        var before = await Db.CountAsync(pair.Fr.ConnectionString, $"SELECT attempts FROM messages WHERE referral_id = '{poisonId}'");
        await Db.ExecuteAsync(pair.Fr.ConnectionString,
            $"UPDATE messages SET jws = decode('00112233445566778899aabbccddeeff00112233445566778899', 'hex') WHERE referral_id = '{poisonId}'");
        await pair.Gb.StartAsync();

        var dead = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(fr, $"api/v1/referrals/{poisonId}"),
            r => r["delivery"]!["state"]!.GetValue<string>() == "dead_letter", TimeSpan.FromSeconds(60), "the poison message dead-letters");
        Assert.Multiple(() =>
        {
            // Transient attempts while GB was down count too; one more may have been in flight when the bytes were damaged.
            Assert.That(dead["delivery"]!["attempts"]!.GetValue<int>(), Is.InRange(Math.Max(3, before + 1), Math.Max(3, before + 2)),
                "dead-lettered at the first poison failure once the bounded attempts are spent");
            Assert.That(dead["delivery"]!["lastError"]!.GetValue<string>(), Does.StartWith("internal error ("), "with its reason");
        });

        // The node goes on: the next referral is delivered.
        using var next = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral());
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var nextId = JsonNode.Parse(await next.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(fr, $"api/v1/referrals/{nextId}"),
            r => r["delivery"]!["state"]!.GetValue<string>() == "delivered", because: "delivery goes on after a poison message");
    }
}
