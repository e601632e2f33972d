using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Commands;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Exchange;

public sealed class DeadLetterTests
{
    [Test]
    public async Task Delivery_PeerRefusesPermanently_DeadLetteredVisibleOnReferralAndFeed()
    {
        var clock = new TestClock();
        await using var fr = new TestNode("FR", await TestDatabase.CreateAsync("dl_fr"), clock);
        await using var gb = new TestNode("GB", await TestDatabase.CreateAsync("dl_gb"), clock);
        fr.Peer = gb;
        gb.Peer = fr;
        // GB accepts no message older than a millisecond: every delivery is refused with 400 (CB0106), a permanent refusal.
        await Task.WhenAll(fr.StartAsync(), gb.StartAsync(c => c["Exchange:MaxMessageAge"] = "00:00:00.001"));

        var client = await fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        var dead = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(client, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["state"]?.GetValue<string>() == "dead_letter", because: "a 400 from the peer is not retried");
        Assert.Multiple(() =>
        {
            Assert.That(dead["delivery"]!["attempts"]!.GetValue<int>(), Is.EqualTo(1), "permanent refusals are not retried");
            Assert.That(dead["delivery"]!["lastError"]!.GetValue<string>(), Does.Contain("CB0106"));
            Assert.That(dead["status"]!.GetValue<string>(), Is.EqualTo("SUBMITTED"));
        });
        await NodePair.FeedEventuallyAsync(client, items => items.Any(e => e!["type"]!.GetValue<string>() == "message.delivery-failed"
            && e["detail"]?.GetValue<string>() == "dead_letter"), because: "the dead letter is on the feed");
        var atPeer = await (await gb.MinistryAsync()).GetAsync($"api/v1/referrals/{id}");
        Assert.That(atPeer.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing applied at the peer");

        // The operator fixes the peer's configuration, then re-drives the same signed message.
        await gb.StopAsync();
        await gb.StartAsync();
        var messageId = dead["delivery"]!["messageId"]!.GetValue<string>();
        var exit = await CliApp.InvokeAsync(["outbox", "redrive", "--connection", fr.ConnectionString, "--message", messageId]);
        Assert.That(exit, Is.EqualTo(0));
        var delivered = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(client, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["state"]?.GetValue<string>() == "delivered", because: "the re-driven message reaches GB");
        Assert.That(delivered["delivery"]!["messageId"]!.GetValue<string>(), Is.EqualTo(messageId), "same message, same id");
        Assert.That(delivered["status"]!.GetValue<string>(), Is.EqualTo("UNDER_EXAMINATION"));
        var again = await CliApp.InvokeAsync(["outbox", "redrive", "--connection", fr.ConnectionString, "--message", messageId]);
        Assert.That(again, Is.EqualTo(1), "only a dead-lettered message can be re-driven");
    }
}
