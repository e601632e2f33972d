using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;

namespace CrossBorder.Node.Identity;

/// <summary>
/// Keeps OpenIddict's request processing out of the ministry API's and the exchange's requests. <c>UseAuthentication</c>
/// offers every request to every scheme that handles requests, before anything authenticates:
/// <list type="bullet">
/// <item>the token server ran its request pipeline on each to learn that the request was not for one of its endpoints
/// (4.5-4.9% of a node's CPU under a create load; perf, 2026-11-30). Under <c>/api/v1</c> and <c>/exchange/v1</c> this
/// provider has no handler for its scheme, so the middleware passes it over: nothing there signs in, challenges or
/// authenticates with it.</item>
/// <item>the bearer validation opened a transaction of its own on each (1.8%), which only an authentication, a
/// challenge or a forbid reads, and <see cref="CachedBearerHandler"/> needs none for a token it has seen. There its
/// handler comes wrapped (<see cref="DeferredRequestHandling"/>): no longer a request handler, it opens the transaction
/// on first use.</item>
/// </list>
/// Every other path (the token and authorization endpoints, the discovery documents, the console) meets both as before.
/// </summary>
/// <remarks>
/// A provider rather than a branch of the pipeline: <c>UseAuthentication</c> inside a <c>UseWhen</c> branch made
/// WebApplication add a second one at the very start of the pipeline, ahead of the exception handler (it looks for its
/// marker in the main pipeline only). Scoped, like the provider it wraps: one per request. The path is read at each call;
/// a request whose path is rewritten midway (the node has no rewriter or re-executing error page) could meet both kinds of
/// validation handler, which is harmless: OpenIddict reuses a transaction already attached to the request.
/// </remarks>
public sealed class TokenServerScope(IAuthenticationSchemeProvider schemes) : IAuthenticationHandlerProvider
{
    private readonly AuthenticationHandlerProvider _handlers = new(schemes);
    private DeferredRequestHandling? _validation;

    /// <summary>The paths the token server never serves: the ministry API and the exchange.</summary>
    public static bool OutsideTokenServer(PathString path) =>
        path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/exchange/v1");

    public async Task<IAuthenticationHandler?> GetHandlerAsync(HttpContext context, string authenticationScheme)
    {
        if (!OutsideTokenServer(context.Request.Path))
            return await _handlers.GetHandlerAsync(context, authenticationScheme);
        if (authenticationScheme == OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)
            return null;
        var handler = await _handlers.GetHandlerAsync(context, authenticationScheme);
        if (authenticationScheme == OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme
            && handler is IAuthenticationRequestHandler validation)
            return _validation ??= new DeferredRequestHandling(validation);
        return handler;
    }
}

/// <summary>
/// A request handler whose request step runs on its first authentication, challenge or forbid instead of in
/// <c>UseAuthentication</c>'s loop (it is not an <see cref="IAuthenticationRequestHandler"/> itself). For OpenIddict's
/// validation, whose request step only opens the transaction those read, and never answers a request itself.
/// </summary>
public sealed class DeferredRequestHandling(IAuthenticationRequestHandler inner) : IAuthenticationHandler
{
    private bool _requestHandled;

    private async Task HandleRequestOnceAsync()
    {
        if (_requestHandled)
            return;
        _requestHandled = true;
        if (await inner.HandleRequestAsync())
            throw new InvalidOperationException("The bearer validation answered the request itself; its request step cannot be deferred.");
    }

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context) => inner.InitializeAsync(scheme, context);

    public async Task<AuthenticateResult> AuthenticateAsync()
    {
        await HandleRequestOnceAsync();
        return await inner.AuthenticateAsync();
    }

    public async Task ChallengeAsync(AuthenticationProperties? properties)
    {
        await HandleRequestOnceAsync();
        await inner.ChallengeAsync(properties);
    }

    public async Task ForbidAsync(AuthenticationProperties? properties)
    {
        await HandleRequestOnceAsync();
        await inner.ForbidAsync(properties);
    }
}
