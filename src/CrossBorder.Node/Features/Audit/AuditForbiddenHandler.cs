using CrossBorder.Core.Audit;
using CrossBorder.Node.Auth;
using CrossBorder.Node.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace CrossBorder.Node.Features.Audit;

/// <summary>
/// Records every 403 (a valid token used beyond its scopes) as a security event, then answers as usual.
/// The entry names the route template, never the raw path or query. Scoped: the authorization middleware resolves
/// its result handler from the request's services, so the request's <see cref="AuditLog"/> is injected.
/// </summary>
public sealed class AuditForbiddenHandler(AuditLog audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "?";
            string? client = null;
            try { client = context.User.ClientId(); }
            catch (InvalidOperationException) { }
            await audit.SecurityEventAsync(AuditKinds.SecurityForbidden, client, Problems.Forbidden.Code,
                $"{context.Request.Method} {route}", ct: context.RequestAborted);
        }
        await _default.HandleAsync(next, context, policy, result);
    }
}
