using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// The feed sequencer and the outbox serve a commit's wake-up no sooner than <c>Feed:MinRoundInterval</c> and
/// <c>Exchange:MinClaimInterval</c> after their last round, so a steady stream of commits is numbered and claimed in
/// rounds, not a round each. Here the spacing is 5 s and the polls are out of the way (10 min), so a second commit right
/// after a round visibly waits for it.
/// </summary>
public sealed class SpacedRoundsTests
{
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(5);

    /// <summary>Less than the spacing by far more than a probe's poll (50 ms) and a create's round trip.</summary>
    private static readonly TimeSpan AtLeast = TimeSpan.FromSeconds(3);

    [Test]
    public async Task AnEventCommittedRightAfterAFeedRound_IsNumberedOnlyAtTheNextSpacedRound()
    {
        await using var pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["Feed:MinRoundInterval"] = "00:00:05";
            c["Feed:PollInterval"] = "00:10:00";
        });
        var fr = await pair.Fr.MinistryAsync();

        var first = await CreateAsync(fr);
        await NodePair.EventuallyAsync(() => NumberedEventsOfAsync(pair, first), n => n > 0, TimeSpan.FromSeconds(60),
            "the first create's event numbered");
        var firstNumbered = Stopwatch.GetTimestamp();

        var second = await CreateAsync(fr);
        await NodePair.EventuallyAsync(() => NumberedEventsOfAsync(pair, second), n => n > 0, TimeSpan.FromSeconds(60),
            "the second create's event numbered");
        Assert.That(Stopwatch.GetElapsedTime(firstNumbered), Is.GreaterThanOrEqualTo(AtLeast),
            $"committed within {Spacing.TotalSeconds} s of the round that numbered the first, it waits for the next");
        await Db.AssertFeedGapFreeAsync(pair.Fr.ConnectionString);
    }

    [Test]
    public async Task AMessageQueuedRightAfterAClaim_IsClaimedOnlyAtTheNextSpacedClaim_AndDelivered()
    {
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country != "FR") return;
            c["Exchange:MinClaimInterval"] = "00:00:05";
            c["Exchange:PollInterval"] = "00:10:00";
        });
        var fr = await pair.Fr.MinistryAsync();

        await CreateAsync(fr);
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == 1,
            TimeSpan.FromSeconds(60), "the first referral delivered");
        var firstDelivered = Stopwatch.GetTimestamp();

        await CreateAsync(fr);
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == 2,
            TimeSpan.FromSeconds(60), "the second referral delivered");
        Assert.That(Stopwatch.GetElapsedTime(firstDelivered), Is.GreaterThanOrEqualTo(AtLeast),
            $"queued within {Spacing.TotalSeconds} s of the claim that took the first, it waits for the next claim");
    }

    private static async Task<Guid> CreateAsync(HttpClient client)
    {
        using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return Guid.Parse(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
    }

    private static Task<long> NumberedEventsOfAsync(NodePair pair, Guid referral) => Db.CountAsync(pair.Fr.ConnectionString,
        $"SELECT count(*) FROM feed_events WHERE referral_id = '{referral}' AND position IS NOT NULL");
}
