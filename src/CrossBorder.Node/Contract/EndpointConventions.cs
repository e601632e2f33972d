using System.Text.RegularExpressions;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;

namespace CrossBorder.Node.Contract;

/// <summary>
/// What the conventions read off an endpoint: its scopes (from its authorization policy), whether it
/// takes an Idempotency-Key and an If-Match. One place, so the served contract and the code agree.
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
        // Every POST on referrals creates or changes a case: each needs an Idempotency-Key
        // (draft-ietf-httpapi-idempotency-key-header); a step on an existing referral also needs If-Match. The operator's
        // re-drive (issue 15) needs none: a second one finds no dead letter (409).
        var idempotent = method == "POST" && api.GroupName == ApiDocuments.Ministry && path.StartsWith("/api/v1/referrals", StringComparison.Ordinal);
        var conditional = idempotent && StepRoute().IsMatch(path);
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

    // A lifecycle step, not the documents of the case (an upload changes no status, so it takes no If-Match).
    [GeneratedRegex(@"^/api/v1/referrals/\{[^}]+\}/(?!attachments$)[^/{}]+$")]
    private static partial Regex StepRoute();
}
