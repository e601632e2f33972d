using System.Text.RegularExpressions;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;

namespace CrossBorder.Node.Contract;

/// <summary>
/// What the conventions read off an endpoint: its scopes (from its authorization policy), whether it
/// takes an Idempotency-Key and an If-Match (as its route declares them, <c>Http/WriteRules</c>). One place, so the served contract and the code agree.
/// </summary>
public sealed partial record EndpointConventions(string Method, string Path, bool Anonymous, IReadOnlyList<string> Scopes,
    bool Idempotent, bool Conditional, bool TouchesDatabase = true)
{
    public bool Authenticated => !Anonymous && Scopes.Count > 0;

    public bool HasPathParameters => Path.Contains('{');

    public static EndpointConventions Of(ApiDescription api)
    {
        var metadata = api.ActionDescriptor.EndpointMetadata;
        var method = api.HttpMethod?.ToUpperInvariant() ?? "GET";
        var path = "/" + RouteConstraint().Replace(api.RelativePath ?? "", "{$1}").TrimEnd('/');
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var scopes = anonymous
            ? []
            : metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().SelectMany(ScopesOf).ToList();
        // What the route declares (Http/WriteRules) is what its filters enforce.
        var idempotent = metadata.OfType<IdempotencyKeyRequired>().Any();
        var conditional = metadata.OfType<IfMatchRequired>().Any();
        var touchesDatabase = !metadata.OfType<NoDatabase>().Any();
        return new EndpointConventions(method, path, anonymous, scopes, idempotent, conditional, touchesDatabase);
    }

    /// <summary>
    /// Policies are named after the scope they require (<c>Identity/AuthSetup</c>), or after the scopes any one of which
    /// grants the operation, separated by <c>|</c> (the evidence pack: <c>audit.read|referrals.read</c>). <c>Scopes</c>
    /// lists alternatives: each is one security requirement of the operation.
    /// </summary>
    private static IEnumerable<string> ScopesOf(string policy) => policy.Split('|').All(Http.Scopes.All.Contains)
        ? policy.Split('|')
        : throw new InvalidOperationException($"Authorization policy '{policy}' has no OAuth2 scope; name policies after their scope.");

    /// <summary>ApiExplorer keeps route constraints (<c>{id:guid}</c>); the document's paths do not.</summary>
    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex RouteConstraint();
}
