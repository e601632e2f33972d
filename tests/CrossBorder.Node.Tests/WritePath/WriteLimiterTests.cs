using System.Net;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>Issue 9: an overloaded node sheds ministry writes at once (503 + Retry-After), never queueing them until the pool runs dry.</summary>
public sealed class WriteLimiterTests
{
    [Test]
    public async Task ConcurrentCreates_OverCapacity_503WithRetryAfterAndNothingElseFails()
    {
        await using var pair = await NodePair.StartAsync(adjust: (_, c) =>
        {
            c["RateLimit:MaxConcurrentWrites"] = "1";
            c["RateLimit:WriteQueue"] = "0";
        });
        var client = await pair.Fr.MinistryAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 24)
            .Select(_ => NodePair.PostReferralAsync(client, NodePair.ExampleReferral())));

        var shed = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.That(shed, Is.Not.Empty, "writes beyond one running and none waiting are shed");
        Assert.That(responses.Where(r => r.StatusCode != HttpStatusCode.ServiceUnavailable).Select(r => r.StatusCode),
            Is.All.EqualTo(HttpStatusCode.Created), "every write that is admitted completes");
        Assert.That(shed[0].Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(shed[0].Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await shed[0].Content.ReadAsStringAsync(), Does.Contain("CB0031"));

        // Reads are not limited.
        using var read = await client.GetAsync("api/v1/referrals");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        foreach (var r in responses) r.Dispose();
    }
}
