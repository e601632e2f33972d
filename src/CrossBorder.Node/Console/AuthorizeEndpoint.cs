using System.Security.Claims;
using CrossBorder.Node.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CrossBorder.Node.Console;

/// <summary>
/// The authorization endpoint (RFC 6749 §4.1, PKCE per RFC 7636), for the console only. OpenIddict has checked the
/// client, its redirect URI and the code challenge before this runs; here the person is asked to sign in (the
/// login page) unless the sign-in cookie names an account that may still authorize, and the code carries the
/// one scope of the account's role.
/// </summary>
public static class AuthorizeEndpoint
{
    public static IEndpointRouteBuilder MapConsoleAuthorize(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + ConsoleClient.AuthorizePath, AuthorizeAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, ConsoleSignIn signIn, CancellationToken ct)
    {
        if (http.GetOpenIddictServerRequest() is null)
            throw new InvalidOperationException("The OpenIddict request is missing.");
        var session = await http.AuthenticateAsync(ConsoleSetup.CookieScheme);
        ConsoleAccount? account = null;
        if (session.Succeeded
            && Guid.TryParse(session.Principal.FindFirstValue(ConsoleSetup.AccountClaim), out var id)
            && Guid.TryParse(session.Principal.FindFirstValue(ConsoleSetup.StampClaim), out var stamp))
            account = await signIn.ActiveAsync(id, stamp, ct);
        if (account is null || ConsoleRoles.ScopeOf(account.Role) is not { } scope)
        {
            if (session.Succeeded)
                await http.SignOutAsync(ConsoleSetup.CookieScheme);
            return Results.Challenge(new AuthenticationProperties { RedirectUri = http.Request.Path + http.Request.QueryString },
                [ConsoleSetup.CookieScheme]);
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, ConsoleClient.SubjectPrefix + account.Id);
        identity.SetClaim(Claims.Role, account.Role);
        identity.SetScopes(scope);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
