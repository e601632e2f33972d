using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using CrossBorder.Node.Identity;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// <see cref="CachedBearerHandler"/>: a token OpenIddict accepted is accepted again without a second signature check,
/// but never beyond what OpenIddict would accept: not after the token expires, not for a token that differs by a
/// character, and never more than <see cref="ValidatedTokens.Capacity"/> tokens at a time.
/// </summary>
public sealed class TokenMemoryTests
{
    [Test]
    public async Task RememberedToken_AcceptedUntilItExpires_AnAlteredOneNever()
    {
        await using var pair = await NodePair.StartAsync();
        using var ministry = await pair.Fr.MinistryAsync();
        var remembered = pair.Fr.Services.GetRequiredService<ValidatedTokens>();
        // The token's issuance is FR's first audit entry: FR's checkpoint of it makes GB log a token of its own, whose
        // checkpoint GB sends FR to cosign with a bearer token FR remembers too (some 0.3-0.8 s later). Once FR has
        // witnessed GB's log, that one is in, and the count below moves by this test's requests only.
        await NodePair.EventuallyAsync(() => Audit.AuditProbe.ScalarAsync(pair.Fr,
                "SELECT count(*) FROM audit_witness WHERE origin = 'crossborder/GB'"),
            n => n > 0, because: "GB's cosigning request, with its own bearer token, has reached FR");
        var before = remembered.Count;

        for (var i = 0; i < 3; i++)
        {
            using var list = await ministry.GetAsync("api/v1/referrals");
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(remembered.Count, Is.EqualTo(before + 1), "one token, remembered once");

        var token = ministry.DefaultRequestHeaders.Authorization!.Parameter!;
        var altered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        using (var forged = pair.Fr.Anonymous())
        {
            forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", altered);
            using var refused = await forged.GetAsync("api/v1/referrals");
            await SecurityAssert.ProblemAsync(refused, 401, "CB0010");
        }

        pair.Fr.Clock.Advance(TimeSpan.FromMinutes(6)); // past the token's 5 minutes
        using var expired = await ministry.GetAsync("api/v1/referrals");
        await SecurityAssert.ProblemAsync(expired, 401, "CB0010");
    }

    [Test]
    public async Task ValidToken_InTheQueryString_OrAfterAnExtraSpace_Refused_EvenOnceRemembered()
    {
        await using var pair = await NodePair.StartAsync();
        using var ministry = await pair.Fr.MinistryAsync();
        using (var accepted = await ministry.GetAsync("api/v1/referrals"))
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), "remembered from now on");
        var token = ministry.DefaultRequestHeaders.Authorization!.Parameter!;
        using var anonymous = pair.Fr.Anonymous();

        using (var inQuery = await anonymous.GetAsync($"api/v1/referrals?access_token={token}"))
            await SecurityAssert.ProblemAsync(inQuery, 401, "CB0010");

        using var spaced = new HttpRequestMessage(HttpMethod.Get, "api/v1/referrals");
        spaced.Headers.TryAddWithoutValidation("Authorization", "Bearer  " + token);
        using (var refused = await anonymous.SendAsync(spaced))
            await SecurityAssert.ProblemAsync(refused, 401, "CB0010");
    }

    [Test]
    public void Entries_EndAtTheTokensExpiry_AtMostFiveMinutes_AndOnlyWithAnExpiry()
    {
        var clock = new TestClock();
        var tokens = new ValidatedTokens(clock);
        tokens.Remember("short", Ticket(clock.GetUtcNow().AddMinutes(1)));
        tokens.Remember("long", Ticket(clock.GetUtcNow().AddHours(1)));
        tokens.Remember("no-expiry", Ticket(null));
        tokens.Remember("expired", Ticket(clock.GetUtcNow().AddSeconds(-1)));

        Assert.That(tokens.Find("short"), Is.Not.Null);
        Assert.That(tokens.Find("shor"), Is.Null, "exact tokens only");
        Assert.That(tokens.Find("no-expiry"), Is.Null, "nothing says how long it may be trusted");
        Assert.That(tokens.Find("expired"), Is.Null);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(tokens.Find("short"), Is.Null, "ends with the token");
        Assert.That(tokens.Find("long"), Is.Not.Null);
        clock.Advance(ValidatedTokens.MaxLifetime);
        Assert.That(tokens.Find("long"), Is.Null, "never longer than the node's token lifetime");
    }

    [Test]
    public void Full_DropsExpiredEntriesFirst_ElseRemembersNothingNew()
    {
        var clock = new TestClock();
        var tokens = new ValidatedTokens(clock);
        for (var i = 0; i < ValidatedTokens.Capacity; i++)
            tokens.Remember($"t{i}", Ticket(clock.GetUtcNow().AddMinutes(1)));

        tokens.Remember("one more", Ticket(clock.GetUtcNow().AddMinutes(1)));
        Assert.That(tokens.Find("one more"), Is.Null, "full of live tokens: not remembered (validated in full each time)");
        Assert.That(tokens.Count, Is.EqualTo(ValidatedTokens.Capacity));

        clock.Advance(TimeSpan.FromMinutes(2));
        tokens.Remember("one more", Ticket(clock.GetUtcNow().AddMinutes(1)));
        Assert.That(tokens.Find("one more"), Is.Not.Null);
        Assert.That(tokens.Count, Is.EqualTo(1), "the expired ones made room");
    }

    private static AuthenticationTicket Ticket(DateTimeOffset? expires) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "client")], "test")),
            new AuthenticationProperties { ExpiresUtc = expires }, "test");
}
