using System.Net;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Security;

public sealed class RateLimitTests
{
    [Test]
    public async Task ManyRequests_OverClientBudget_429ProblemWithRetryAfter()
    {
        var clock = new TestClock();
        await using var fr = new TestNode("FR", await TestDatabase.CreateAsync("rl_fr"), clock);
        await using var gb = new TestNode("GB", await TestDatabase.CreateAsync("rl_gb"), clock);
        fr.Peer = gb;
        gb.Peer = fr;
        await fr.StartAsync(c =>
        {
            c["RateLimit:PermitsPerSecond"] = "1";
            c["RateLimit:Burst"] = "5";
        });
        var client = await fr.MinistryAsync();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
            responses.Add(await client.GetAsync("api/v1/referrals"));
        var refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.That(refused, Is.Not.Null, "a client past its burst is refused");
        Assert.That(refused!.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("CB0012"));

        // Another client has its own budget.
        var auditor = await fr.AuditorAsync();
        using var other = await auditor.GetAsync("api/v1/referrals");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        responses.ForEach(r => r.Dispose());
    }
}
