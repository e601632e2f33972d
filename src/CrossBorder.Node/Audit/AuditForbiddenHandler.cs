using CrossBorder.Core.Audit;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Authorization;

namespace CrossBorder.Node.Audit;

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
            await audit.SecurityEventAsync(new(AuditKinds.SecurityForbidden)
            {
                Client = client, Code = Problems.Forbidden.Code, Detail = $"{context.Request.Method} {route}",
            }, context.RequestAborted);
        }
        await _default.HandleAsync(next, context, policy, result);
    }
}
