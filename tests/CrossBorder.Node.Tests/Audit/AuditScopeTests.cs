using System.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;

namespace CrossBorder.Node.Tests.Audit;

/// <summary>docs/design.md: an auditor reads metadata and proofs but no personal data; nobody else reads the audit API.</summary>
public sealed class AuditScopeTests
{
    private static readonly string[] AuditPaths =
    [
        "api/v1/audit/entries",
        "api/v1/audit/checkpoints/latest",
        "api/v1/audit/entries/0/proof",
        "api/v1/audit/consistency?from=0&to=0",
    ];

    private NodePair _pair = null!;

    [SetUp]
    public async Task StartAsync() => _pair = await NodePair.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task AuditApi_AuditorToken_ReadsAuditApiOnly()
    {
        using var auditor = await _pair.Gb.AuditorAsync();
        await AuditProbe.SettledCheckpointAsync(_pair.Gb, auditor);

        foreach (var path in AuditPaths)
        {
            using var response = await auditor.GetAsync(path);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), path);
        }
        using var referrals = await auditor.GetAsync("api/v1/referrals");
        await SecurityAssert.ProblemAsync(referrals, 403, "CB0011");
        using var referral = await auditor.GetAsync($"api/v1/referrals/{Guid.NewGuid()}");
        await SecurityAssert.ProblemAsync(referral, 403, "CB0011");
        using var create = await NodePair.PostReferralAsync(auditor, NodePair.ExampleReferral());
        await SecurityAssert.ProblemAsync(create, 403, "CB0011");
    }

    [Test]
    public async Task AuditApi_MinistryToken_ForbiddenAndRecorded()
    {
        using var ministry = await _pair.Gb.MinistryAsync();

        foreach (var path in AuditPaths)
        {
            using var response = await ministry.GetAsync(path);
            await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        }

        using var auditor = await _pair.Gb.AuditorAsync();
        var events = await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(auditor, $"&kind={AuditKinds.SecurityForbidden}"),
            e => e.Count >= AuditPaths.Length, because: "every 403 is a security event");
        Assert.That(events.Select(e => e["client"]!.GetValue<string>()), Has.All.EqualTo(_pair.Gb.MinistryClientId));
        Assert.That(events.Select(e => e["detail"]!.GetValue<string>()), Has.Some.EqualTo("GET /api/v1/audit/entries"));
    }

    [Test]
    public async Task AuditApi_ExchangeToken_Forbidden()
    {
        using var peer = await new FrImpersonator(_pair).ExchangeClientAsync();

        foreach (var path in AuditPaths)
        {
            using var response = await peer.GetAsync(path);
            await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        }
    }

    [Test]
    public async Task CosignCheckpoint_MinistryOrAuditorToken_Forbidden()
    {
        foreach (var client in new[] { await _pair.Gb.MinistryAsync(), await _pair.Gb.AuditorAsync() })
        {
            using (client)
            using (var response = await client.PostAsync("exchange/v1/checkpoints",
                       new StringContent("""{"checkpoint":"a.b.c","fromSize":0,"proof":[]}""", Encoding.UTF8, "application/json")))
            {
                await SecurityAssert.ProblemAsync(response, 403, "CB0011");
            }
        }
    }
}
