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
/// still serves its own endpoints; the bearer validation is there on every path.
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
        Assert.That(await HandlerAsync(pair.Fr, "/api/v1/referrals", OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme),
            Is.InstanceOf<IAuthenticationRequestHandler>(), "bearer tokens are still validated under the API");

        // Through the pipeline: a token from the token server, accepted under the API; the discovery document served.
        using var ministry = await pair.Fr.MinistryAsync();
        using (var list = await ministry.GetAsync("api/v1/referrals"))
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var anonymous = pair.Fr.Anonymous();
        using (var discovery = await anonymous.GetAsync(".well-known/openid-configuration"))
            Assert.That(discovery.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var refused = await anonymous.GetAsync("api/v1/referrals"))
            await SecurityAssert.ProblemAsync(refused, 401, "CB0010");
    }

    private static async Task<IAuthenticationHandler?> HandlerAsync(TestNode node, string path, string scheme)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Path = path;
        return await scope.ServiceProvider.GetRequiredService<IAuthenticationHandlerProvider>().GetHandlerAsync(context, scheme);
    }
}
