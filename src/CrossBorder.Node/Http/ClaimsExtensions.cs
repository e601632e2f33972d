using System.Security.Claims;
using OpenIddict.Abstractions;

namespace CrossBorder.Node.Http;

public static class ClaimsExtensions
{
    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        OpenIddict.Abstractions.OpenIddictExtensions.HasScope(user, scope);

    /// <summary>The authenticated client (ministry system, auditor or peer node): the token's subject.</summary>
    public static string ClientId(this ClaimsPrincipal user) =>
        user.GetClaim(OpenIddictConstants.Claims.ClientId)
        ?? user.GetClaim(OpenIddictConstants.Claims.Subject)
        ?? throw new InvalidOperationException("The token names no client.");
}
