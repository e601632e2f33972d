using System.Text.Json.Nodes;
using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.Security;

/// <summary>Checks shared by the security tests: refusals are problem documents, and refusals change nothing.</summary>
public static class SecurityAssert
{
    /// <summary>An RFC 9457 problem document with the stable code, and no personal data in it.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(problem["code"]?.GetValue<string>(), Is.EqualTo(code), body);
            Assert.That(problem["status"]?.GetValue<int>(), Is.EqualTo(status), body);
            Assert.That(problem["type"]?.GetValue<string>(), Is.Not.Null.And.Not.Empty, body);
            Assert.That(problem["traceId"]?.GetValue<string>(), Is.Not.Null.And.Not.Empty, body);
            Assert.That(body, Does.Not.Contain(FrImpersonator.ChildSurname));
        });
        return problem;
    }

    /// <summary>An OAuth error answer from the token endpoint (RFC 6749 §5.2).</summary>
    public static async Task OAuthErrorAsync(HttpResponseMessage response, int[] statuses, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.AnyOf(statuses.Cast<object>().ToArray()), body);
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.That(json["error"]?.GetValue<string>(), Is.EqualTo(error), body);
        Assert.That(json.ContainsKey("access_token"), Is.False, body);
    }

    /// <summary>GB holds neither the referral nor any message of it, nor the message id under another referral.</summary>
    public static async Task NothingAppliedAsync(NodePair pair, Guid referralId, Guid messageId)
    {
        using var gb = await pair.Gb.MinistryAsync();
        using var referral = await gb.GetAsync($"api/v1/referrals/{referralId}");
        await ProblemAsync(referral, 404, "CB0006");
        using var messages = await gb.GetAsync($"api/v1/referrals/{referralId}/messages");
        await ProblemAsync(messages, 404, "CB0006");
        var incoming = await NodePair.GetJsonAsync(gb, "api/v1/referrals?direction=incoming");
        Assert.That(incoming["items"]!.AsArray(), Is.Empty);

        await using var scope = pair.Gb.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
        var stored = await db.Messages.CountAsync(m => m.Id == messageId || m.ReferralId == referralId);
        Assert.That(stored, Is.Zero, "GB stored a message it refused");
    }
}
