using CrossBorder.Cli.Bench;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.WritePath;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// <c>crossborder bench faults</c> judges agreement by comparing each case's history on both nodes
/// (<see cref="CampaignChecks.HistorySql"/>). A comparison that cannot see a difference passes every run; this one must
/// see a changed value, and a value moved across a null (the first version joined the columns with <c>concat_ws</c>,
/// which drops nulls, so "taken at X, no legal time" and "no taken time, legal at X" printed alike).
/// </summary>
public sealed class CampaignHistoryCheckTests
{
    [Test]
    public async Task TheHistoryComparison_AgreesOnAnAgreedCase_AndSeesAValueChangedOrMovedAcrossANull()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var id = Guid.Parse(await cases.SubmitAsync());
        await cases.TakeAsync(id.ToString(), Lifecycle.Decision, ReferralStatus.Accepted);
        var fr = new NodeDatabase(pair.Fr.ConnectionString);
        var gb = new NodeDatabase(pair.Gb.ConnectionString);
        async Task<(string? Fr, string? Gb)> HistoriesAsync() =>
            ((await fr.MapAsync(CampaignChecks.HistorySql("outgoing"), default)).GetValueOrDefault(id),
             (await gb.MapAsync(CampaignChecks.HistorySql("incoming"), default)).GetValueOrDefault(id));

        // Both nodes hold the decision's receipt and show the same history.
        var agreed = await NodePair.EventuallyAsync(HistoriesAsync, h => h.Fr is not null && h.Fr == h.Gb,
            because: "both nodes show the same history once the decision is receipted");
        Assert.That(agreed.Fr, Does.Contain(Lifecycle.Decision));

        const string Step = "referral_id = $1 AND step = $2";
        await Db.ExecuteAsync(pair.Gb.ConnectionString, $"UPDATE referral_steps SET in_time = NOT coalesce(in_time, false) WHERE {Step}",
            id, Lifecycle.Decision);
        var changed = await HistoriesAsync();
        Assert.That(changed.Gb, Is.Not.EqualTo(changed.Fr), "a changed value");

        await Db.ExecuteAsync(pair.Gb.ConnectionString, $"UPDATE referral_steps SET in_time = NULL WHERE {Step}",
            id, Lifecycle.Decision);
        await Db.ExecuteAsync(pair.Fr.ConnectionString, $"UPDATE referral_steps SET in_time = NULL WHERE {Step}", id, Lifecycle.Decision);
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await Db.ExecuteAsync(pair.Fr.ConnectionString, $"UPDATE referral_steps SET taken_at = $3, legal_at = NULL WHERE {Step}",
            id, Lifecycle.Decision, at);
        await Db.ExecuteAsync(pair.Gb.ConnectionString, $"UPDATE referral_steps SET taken_at = NULL, legal_at = $3 WHERE {Step}",
            id, Lifecycle.Decision, at);
        var moved = await HistoriesAsync();
        Assert.That(moved.Gb, Is.Not.EqualTo(moved.Fr), "the same value in another column, beside a null");

        await Db.ExecuteAsync(pair.Gb.ConnectionString, $"UPDATE referral_steps SET taken_at = $3, legal_at = NULL WHERE {Step}",
            id, Lifecycle.Decision, at);
        var again = await HistoriesAsync();
        Assert.That(again.Gb, Is.EqualTo(again.Fr), "the same values in the same columns agree again");
    }
}
