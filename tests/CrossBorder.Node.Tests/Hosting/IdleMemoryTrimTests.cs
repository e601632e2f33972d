using CrossBorder.Node.Hosting;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.WritePath;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrossBorder.Node.Tests.Hosting;

/// <summary>
/// The node gives memory back once after a burst, and again if it grew after that, when it is idle: never under load,
/// never for probes.
/// </summary>
public sealed class IdleMemoryTrimTests
{
    private const long Floor = 190L << 20;

    [Test]
    public void Due_OnlyWhenIdleAfterABurst()
    {
        Assert.Multiple(() =>
        {
            Assert.That(IdleMemoryTrim.Due(count: 5000, seenAtLastLook: 5000, countAtLastTrim: 0, Floor, Floor), Is.True, "a burst, then a quiet interval");
            Assert.That(IdleMemoryTrim.Due(count: 5000, seenAtLastLook: 4000, countAtLastTrim: 0, Floor, Floor), Is.False, "requests still arriving");
            Assert.That(IdleMemoryTrim.Due(count: 5000, seenAtLastLook: 5000, countAtLastTrim: 5000, Floor, Floor), Is.False, "already given back");
            Assert.That(IdleMemoryTrim.Due(count: 5010, seenAtLastLook: 5010, countAtLastTrim: 5000, Floor, Floor), Is.False, "a few requests are no burst");
        });
    }

    [Test]
    public void Due_WhenIdleAndGrownAgainSinceTheLastTrim_ButNotUnderLoad()
    {
        var regrown = Floor + IdleMemoryTrim.Regrowth;
        Assert.Multiple(() =>
        {
            Assert.That(IdleMemoryTrim.Due(count: 5010, seenAtLastLook: 5010, countAtLastTrim: 5000, regrown, Floor), Is.True,
                "a few requests (the sequencer's last round) after the trim, and the node grew: trimmed again");
            Assert.That(IdleMemoryTrim.Due(count: 5010, seenAtLastLook: 5010, countAtLastTrim: 5000, regrown - 1, Floor), Is.False,
                "grown, but by less than the margin");
            Assert.That(IdleMemoryTrim.Due(count: 5010, seenAtLastLook: 5005, countAtLastTrim: 5000, regrown, Floor), Is.False,
                "grown, but not idle");
            Assert.That(IdleMemoryTrim.Due(count: 10, seenAtLastLook: 10, countAtLastTrim: 0, regrown, floor: 0), Is.False,
                "no trim yet: a node that has had no burst grows by starting, not by a load");
        });
    }

    [Test]
    public void Look_TrimsAfterRegrowthOnce_NotAgainForMemoryTheTrimCouldNotReturn()
    {
        var trim = new IdleMemoryTrim(new NodeActivity(), NullLogger<IdleMemoryTrim>.Instance);
        var trims = 0;
        Func<long> leaves(long resident) => () => { trims++; return resident; };
        var regrown = Floor + IdleMemoryTrim.Regrowth;

        trim.Look(count: 5000, resident: 230L << 20, leaves(Floor));          // load seen
        trim.Look(count: 5000, resident: 230L << 20, leaves(Floor));          // idle after the burst: trimmed to the floor
        trim.Look(count: 5010, resident: regrown, leaves(regrown));           // the sequencer's last round
        var again = trim.Look(count: 5010, resident: regrown, leaves(regrown)); // idle, grown: trimmed, nothing given back
        var stuck = trim.Look(count: 5010, resident: regrown, leaves(regrown)); // idle at what no collection returns

        Assert.Multiple(() =>
        {
            Assert.That(again, Is.True, "grown by the margin after the trim: trimmed again");
            Assert.That(stuck, Is.False, "the floor moved to what that trim left: no trim on every look");
            Assert.That(trims, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Requests_CountedButNotHealthProbes()
    {
        await using var pair = await NodePair.StartAsync();
        var activity = pair.Fr.Services.GetRequiredService<NodeActivity>();
        var before = activity.Count;
        using var http = pair.Fr.Anonymous();

        for (var i = 0; i < 3; i++)
            (await http.GetAsync("/health/ready")).EnsureSuccessStatusCode();
        var afterProbes = activity.Count;
        await http.GetAsync("/api/v1/referrals");

        Assert.Multiple(() =>
        {
            Assert.That(afterProbes, Is.EqualTo(before), "probes come forever; they are not traffic");
            Assert.That(activity.Count, Is.EqualTo(afterProbes + 1), "an API request (even a refused one) is");
        });
    }

    [Test]
    public async Task SentMessages_CountAsActivity_SoABacklogBeingDeliveredIsNotIdle()
    {
        await using var pair = await NodePair.StartAsync();
        var activity = pair.Fr.Services.GetRequiredService<NodeActivity>();
        var sentBefore = activity.MessagesSent;
        using var ministry = await pair.Fr.MinistryAsync();
        using (var created = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral(), Guid.NewGuid().ToString()))
            Assert.That((int)created.StatusCode, Is.EqualTo(201));
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == 1,
            because: "the referral is delivered");

        Assert.That(activity.MessagesSent, Is.GreaterThanOrEqualTo(sentBefore + 1), "the delivery's send is counted");
        Assert.That(activity.Count, Is.GreaterThan(activity.MessagesSent), "in the activity the trim waits out, with the create");
    }

    [Test]
    public async Task SequencedAuditEntries_CountAsActivity_SoTheSequencersLastRoundIsNotAfterTheTrim()
    {
        await using var pair = await NodePair.StartAsync();
        var activity = pair.Fr.Services.GetRequiredService<NodeActivity>();
        var sequencedBefore = activity.AuditEntriesSequenced;
        using var ministry = await pair.Fr.MinistryAsync();
        using (var created = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral(), Guid.NewGuid().ToString()))
            Assert.That((int)created.StatusCode, Is.EqualTo(201));

        await NodePair.EventuallyAsync(() => Task.FromResult(activity.AuditEntriesSequenced), n => n > sequencedBefore,
            because: "the create's audit entries are sequenced, and counted");
        Assert.That(activity.Count, Is.GreaterThanOrEqualTo(activity.AuditEntriesSequenced + activity.MessagesSent),
            "in the activity the trim waits out");
    }
}
