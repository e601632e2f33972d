using System.Net;
using CrossBorder.Node.Identity;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// <see cref="TokenServerScope"/>: the token server is not offered the ministry API's and the exchange's requests, and
/// still serves its own endpoints; the bearer validation is there on every path, its request step deferred to first use
/// under the API and the exchange.
/// </summary>
public sealed class TokenServerScopeTests
{
    [Test]
    public async Task TokenServer_HasNoHandlerUnderTheApiAndTheExchange_ButServesItsOwnPaths()
    {
        await using var pair = await NodePair.StartAsync();

        Assert.That(await HandlerAsync(pair.Fr, "/api/v1/referrals", OpenIddictServerAspNetCoreDefaults.AuthenticationScheme), Is.Null);
        Assert.That(await HandlerAsync(pair.Fr, "/exchange/v1/messages", OpenIddictServerAspNetCoreDefaults.AuthenticationScheme), Is.Null);
        foreach (var path in new[] { "/connect/token", "/connect/authorize", "/.well-known/openid-configuration", "/api/v10", "/apix/v1" })
            Assert.That(await HandlerAsync(pair.Fr, path, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme),
                Is.InstanceOf<IAuthenticationRequestHandler>(), path);
        // The validation is there on every path; under the API and the exchange its request step waits for its first use.
        var deferred = await HandlerAsync(pair.Fr, "/exchange/v1/messages", OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        Assert.That(deferred, Is.InstanceOf<DeferredRequestHandling>().And.Not.InstanceOf<IAuthenticationRequestHandler>());
        Assert.That(await HandlerAsync(pair.Fr, "/connect/token", OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme),
            Is.InstanceOf<IAuthenticationRequestHandler>());

        // Through the pipeline: a token from the token server, accepted under the API; the discovery document served.
        using var ministry = await pair.Fr.MinistryAsync();
        using (var list = await ministry.GetAsync("api/v1/referrals"))
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var anonymous = pair.Fr.Anonymous();
        using (var discovery = await anonymous.GetAsync(".well-known/openid-configuration"))
            Assert.That(discovery.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // A challenge (no token) and a refusal (a token that does not verify) open the validation's transaction on use.
        using (var refused = await anonymous.GetAsync("api/v1/referrals"))
            await SecurityAssert.ProblemAsync(refused, 401, "CB0010");
        var token = ministry.DefaultRequestHeaders.Authorization!.Parameter!;
        anonymous.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token[..^3] + "AAA");
        using (var forged = await anonymous.GetAsync("api/v1/referrals"))
            await SecurityAssert.ProblemAsync(forged, 401, "CB0010");
        using var peer = pair.Fr.Anonymous();
        using (var unauthenticated = await peer.PostAsync("exchange/v1/messages", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
            await SecurityAssert.ProblemAsync(unauthenticated, 401, "CB0010");

        // A forbid as the validation's first use in a request: the auditor's token is remembered by its first request,
        // so the next one authenticates without OpenIddict, and only the refusal of the missing scope reaches it.
        using var auditor = await pair.Fr.AuditorAsync();
        using (var entries = await auditor.GetAsync("api/v1/audit/entries"))
            Assert.That(entries.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var referrals = await auditor.GetAsync("api/v1/referrals"))
            await SecurityAssert.ProblemAsync(referrals, 403, "CB0011");
    }

    private static async Task<IAuthenticationHandler?> HandlerAsync(TestNode node, string path, string scheme)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Path = path;
        return await scope.ServiceProvider.GetRequiredService<IAuthenticationHandlerProvider>().GetHandlerAsync(context, scheme);
    }
}
