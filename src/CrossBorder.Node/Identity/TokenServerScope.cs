using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace CrossBorder.Node.Identity;

/// <summary>
/// Keeps OpenIddict's token server out of the ministry API's and the exchange's requests. <c>UseAuthentication</c> offers
/// every request to every scheme that handles requests, and the token server runs its request pipeline on each to learn
/// that the request is not for one of its endpoints: 4.5-4.9% of a node's CPU under a create load (perf, 2026-11-30).
/// Under <c>/api/v1</c> and <c>/exchange/v1</c> this provider has no handler for the token server's scheme, so the
/// authentication middleware passes it over; nothing there signs in, challenges or authenticates with that scheme
/// (bearer tokens are the validation's, through <see cref="CachedBearerHandler"/>). Every other path, the token and
/// authorization endpoints and the discovery documents among them, meets the token server as before.
/// </summary>
/// <remarks>
/// A provider rather than a branch of the pipeline: <c>UseAuthentication</c> inside a <c>UseWhen</c> branch made
/// WebApplication add a second one at the very start of the pipeline, ahead of the exception handler (it looks for its
/// marker in the main pipeline only).
/// </remarks>
public sealed class TokenServerScope(IAuthenticationSchemeProvider schemes) : IAuthenticationHandlerProvider
{
    private readonly AuthenticationHandlerProvider _handlers = new(schemes);

    /// <summary>The paths the token server never serves: the ministry API and the exchange.</summary>
    public static bool OutsideTokenServer(PathString path) =>
        path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/exchange/v1");

    public Task<IAuthenticationHandler?> GetHandlerAsync(HttpContext context, string authenticationScheme) =>
        authenticationScheme == OpenIddictServerAspNetCoreDefaults.AuthenticationScheme && OutsideTokenServer(context.Request.Path)
            ? Task.FromResult<IAuthenticationHandler?>(null)
            : _handlers.GetHandlerAsync(context, authenticationScheme);
}
