using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Exchange;

public sealed class DeliveryTests
{
    private NodePair _pair = null!;

    [SetUp]
    public async Task StartAsync() => _pair = await NodePair.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task CreateReferral_PeerUp_DeliveredWithSignedReceiptAndVisibleAtPeer()
    {
        var fr = await _pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral());
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), createdBody);
        var referral = JsonNode.Parse(createdBody)!.AsObject();
        var id = referral["id"]!.GetValue<string>();
        Assert.That(referral["reference"]!.GetValue<string>(), Does.Match(@"^FR-5-\d{4}-\d{6}$"));
        Assert.That(created.Headers.Location!.ToString(), Is.EqualTo($"/api/v1/referrals/{id}"));

        var delivered = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(fr, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["state"]?.GetValue<string>() == "delivered", because: "FR should hold GB's receipt");
        Assert.That(delivered["status"]!.GetValue<string>(), Is.EqualTo("UNDER_EXAMINATION"));

        var gb = await _pair.Gb.MinistryAsync();
        var atPeer = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{id}");
        Assert.Multiple(() =>
        {
            Assert.That(atPeer["direction"]!.GetValue<string>(), Is.EqualTo("incoming"));
            Assert.That(atPeer["status"]!.GetValue<string>(), Is.EqualTo("UNDER_EXAMINATION"));
            Assert.That(atPeer["counterpartReference"]!.GetValue<string>(), Is.EqualTo(referral["reference"]!.GetValue<string>()));
            Assert.That(atPeer["referral"]!["child"]!["surname"]!.GetValue<string>(), Is.EqualTo("Haile"));
            // Both nodes start the legal clock from the same signed receipt time.
            Assert.That(atPeer["receivedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(delivered["receivedAt"]!.GetValue<DateTimeOffset>()));
            Assert.That(atPeer["deadlines"]!["replyDueAt"]!.GetValue<DateTimeOffset>(),
                Is.EqualTo(delivered["deadlines"]!["replyDueAt"]!.GetValue<DateTimeOffset>()));
        });

        // The messages endpoint gives the verbatim JWS and receipt; both verify against the published keys.
        var messages = JsonNode.Parse(await fr.GetStringAsync($"api/v1/referrals/{id}/messages"))!.AsArray();
        Assert.That(messages, Has.Count.EqualTo(1));
        var message = messages[0]!;
        var frKeys = new KeyRing(JsonWebKeySet.Parse(await _pair.Fr.Anonymous().GetStringAsync("exchange/v1/keys")).Keys);
        var gbKeys = new KeyRing(JsonWebKeySet.Parse(await _pair.Gb.Anonymous().GetStringAsync("exchange/v1/keys")).Keys);
        var signedMessage = Jws.Verify(message["jws"]!.GetValue<string>(), JwsTypes.Message, frKeys);
        var signedReceipt = Jws.Verify(message["receipt"]!.GetValue<string>(), JwsTypes.Receipt, gbKeys);
        Assert.That(signedMessage.IsValid && signedReceipt.IsValid, Is.True);
        var receipt = ExchangeJson.Deserialize<Receipt>(signedReceipt.Payload);
        Assert.That(receipt.Digest, Is.EqualTo(Jws.Digest(message["jws"]!.GetValue<string>())));
        Assert.That(receipt.Receiver, Is.EqualTo("GB"));

        var gbMessages = JsonNode.Parse(await gb.GetStringAsync($"api/v1/referrals/{id}/messages"))!.AsArray();
        Assert.That(gbMessages[0]!["jws"]!.GetValue<string>(), Is.EqualTo(message["jws"]!.GetValue<string>()));
        Assert.That(gbMessages[0]!["receipt"]!.GetValue<string>(), Is.EqualTo(message["receipt"]!.GetValue<string>()));
    }

    [Test]
    public async Task CreateReferral_PeerDown_QueuedThenDeliveredWhenPeerReturns()
    {
        await _pair.Gb.StopAsync();
        var fr = await _pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        var failing = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(fr, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["attempts"]?.GetValue<int>() >= 2, because: "FR should keep retrying while GB is down");
        Assert.Multiple(() =>
        {
            Assert.That(failing["delivery"]!["state"]!.GetValue<string>(), Is.EqualTo("retrying"));
            Assert.That(failing["delivery"]!["lastError"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(failing["status"]!.GetValue<string>(), Is.EqualTo("SUBMITTED"));
        });

        await _pair.Gb.StartAsync();
        var delivered = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(fr, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["state"]?.GetValue<string>() == "delivered", TimeSpan.FromSeconds(30),
            "FR should deliver once GB is back");
        Assert.That(delivered["status"]!.GetValue<string>(), Is.EqualTo("UNDER_EXAMINATION"));
        var gb = await _pair.Gb.MinistryAsync();
        var atPeer = await NodePair.GetJsonAsync(gb, $"api/v1/referrals/{id}");
        Assert.That(atPeer["status"]!.GetValue<string>(), Is.EqualTo("UNDER_EXAMINATION"));
    }

    [Test]
    public async Task CreateReferral_ManyReferralsAtOnce_AllDeliveredExactlyOnce()
    {
        var fr = await _pair.Fr.MinistryAsync();
        var ids = new List<string>();
        foreach (var batch in Enumerable.Range(0, 4))
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => NodePair.PostReferralAsync(fr, NodePair.ExampleReferral())));
            foreach (var r in responses)
            {
                Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Created));
                ids.Add(JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
            }
        }
        var gb = await _pair.Gb.MinistryAsync();
        await NodePair.EventuallyAsync(async () => JsonNode.Parse(await gb.GetStringAsync("api/v1/referrals?direction=incoming&limit=200"))!["items"]!.AsArray().Count,
            count => count == ids.Count, because: "every referral should reach GB");
        // GB commits before FR records its receipt: wait for FR's side too (regression: read right after GB's count).
        var page = await NodePair.EventuallyAsync(async () => JsonNode.Parse(await fr.GetStringAsync("api/v1/referrals?direction=outgoing&limit=200"))!["items"]!.AsArray(),
            p => p.All(r => r!["delivery"]!["state"]!.GetValue<string>() == "delivered"), because: "FR holds every receipt");
        Assert.That(page, Has.Count.EqualTo(ids.Count));
        var incoming = JsonNode.Parse(await gb.GetStringAsync("api/v1/referrals?direction=incoming&limit=200"))!["items"]!.AsArray();
        Assert.That(incoming.Select(r => r!["id"]!.GetValue<string>()), Is.EquivalentTo(ids));
    }
}
