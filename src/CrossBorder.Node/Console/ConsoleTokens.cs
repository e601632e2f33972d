using CrossBorder.Node.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CrossBorder.Node.Console;

/// <summary>
/// The token endpoint's part for the console: an authorization code (already checked by OpenIddict, PKCE verifier
/// included) becomes an access token when its account is still enabled.
/// </summary>
public sealed class ConsoleTokens(ConsoleSignIn signIn, AuditLog audit)
{
    public async Task<IResult> ExchangeCodeAsync(HttpContext http, CancellationToken ct)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal
            || ConsoleClient.AccountOf(principal.GetClaim(Claims.Subject)) is not { } id
            || await signIn.EnabledAsync(id, ct) is null)
            return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account is no longer allowed to sign in.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        await audit.TokenIssuedAsync(ConsoleClient.ClientId, principal.GetScopes(), ct);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
