using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// A node that stops while a send's receipt is being recorded lets that statement run to its end, past the drain: a send's
/// statements take no token (Exchange/Outbox/Delivery), only its call to the peer does. Cancelled, the statement would have
/// Npgsql send a cancel request with synchronous I/O (Workers/NodeWorker), and the receipt the peer gave would be lost to
/// this side until the message was sent again.
/// </summary>
public sealed class StopMidReceiptTests
{
    [Test]
    public async Task NodeStopsWhileAReceiptWaitsForItsCase_TheReceiptIsStillRecorded()
    {
        await using var pair = await NodePair.StartAsync();
        await pair.Gb.StopAsync(); // FR's first attempts fail: the case can be locked before the one that gets through
        var client = await pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        // The receipt's transaction locks the case first: held here, it waits with its statement in flight.
        await using var connection = new NpgsqlConnection(pair.Fr.ConnectionString);
        await connection.OpenAsync();
        await using var caseLock = await connection.BeginTransactionAsync();
        await using (var lockCase = new NpgsqlCommand($"SELECT 1 FROM referrals WHERE id = '{id}' FOR UPDATE", connection, caseLock))
            await lockCase.ExecuteNonQueryAsync();
        await pair.Gb.StartAsync();
        await NodePair.EventuallyAsync(() => Db.LockWaitersAsync(pair.Fr.ConnectionString, "referrals"), n => n >= 1,
            TimeSpan.FromSeconds(60), "GB took the message; FR's receipt waits for the case");

        await pair.Fr.StopAsync(); // the drain ends with the receipt's statement still waiting
        await caseLock.CommitAsync();

        await NodePair.EventuallyAsync(() => Db.CountAsync(pair.Fr.ConnectionString,
                "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = 'delivered' AND receipt_jws IS NOT NULL"),
            n => n == 1, TimeSpan.FromSeconds(20), "the receipt was recorded after the node had stopped");
    }
}
