namespace CrossBorder.Node.Http;

/// <summary>Endpoint metadata: the route requires an <c>Idempotency-Key</c> (<see cref="WriteRules.RequireIdempotencyKey"/>).</summary>
public sealed class IdempotencyKeyRequired
{
    public static readonly IdempotencyKeyRequired Instance = new();
}

/// <summary>Endpoint metadata: the route requires an <c>If-Match</c> (<see cref="WriteRules.RequireIfMatch"/>).</summary>
public sealed class IfMatchRequired
{
    public static readonly IfMatchRequired Instance = new();
}

/// <summary>
/// The rules a write declares on its route: one call both enforces the rule (an endpoint filter, before the handler
/// reads the body) and marks the endpoint, so the served contract (<c>Contract/EndpointConventions</c>) reads the same
/// declaration and cannot drift from what the node does. A handler gets what the filter read through
/// <see cref="Idempotency.RequestOf"/> and <see cref="IfMatch.Of"/>, which refuse to work on a route that did not
/// declare the rule.
/// </summary>
public static class WriteRules
{
    /// <summary>400 (CB0003) without a valid <c>Idempotency-Key</c> (draft-ietf-httpapi-idempotency-key-header).</summary>
    public static RouteHandlerBuilder RequireIdempotencyKey(this RouteHandlerBuilder route) => route
        .WithMetadata(IdempotencyKeyRequired.Instance)
        .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (Idempotency.ReadKey(http.Request) is not { } key)
                return Problems.IdempotencyKeyMissing.Result(http, "Send a unique Idempotency-Key (1-255 printable characters) with every POST.");
            http.Features.Set(new IdempotentRequest(http.User.ClientId(), key));
            return await next(context);
        });

    /// <summary>428 (CB0014) without an <c>If-Match</c>; the handler compares it with the resource's ETag (412 when stale).</summary>
    public static RouteHandlerBuilder RequireIfMatch(this RouteHandlerBuilder route) => route
        .WithMetadata(IfMatchRequired.Instance)
        .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var header = http.Request.Headers.IfMatch.ToString();
            if (string.IsNullOrWhiteSpace(header))
                return Problems.PreconditionRequired.Result(http, "Send If-Match with the referral's current ETag.");
            http.Features.Set(new IfMatch(header));
            return await next(context);
        });
}

/// <summary>The request's <c>If-Match</c> (RFC 9110 §13.1.1): one entity-tag, a comma-separated list of them, or <c>*</c>.</summary>
public sealed class IfMatch(string header)
{
    private readonly string[] tags = header.Split(',').Select(t => t.Trim()).ToArray();

    public bool Matches(string etag) => tags is ["*"] || tags.Contains(etag);

    public static IfMatch Of(HttpContext http) => http.Features.Get<IfMatch>()
        ?? throw new InvalidOperationException("The route does not declare RequireIfMatch().");
}
