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
}
