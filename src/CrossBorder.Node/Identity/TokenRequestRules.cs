using CrossBorder.Core.Audit;
using CrossBorder.Core.Text;
using CrossBorder.Node.Audit;
using Microsoft.AspNetCore;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CrossBorder.Node.Identity;

/// <summary>
/// The node's own rules at the token endpoint, as OpenIddict event handlers: only POST is served (other methods
/// fall through to routing, which answers 405 with <c>Allow: POST</c>); parameters follow the one text rule
/// (<see cref="StorableText"/>) before anything looks a client up; every refused token request is an audit entry.
/// </summary>
public static partial class TokenRequestRules
{
    public static OpenIddictServerBuilder AddTokenRequestRules(this OpenIddictServerBuilder server) => server
        .AddEventHandler<ProcessRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.Transaction.GetHttpRequest() is { } request
                    && request.Path.Equals("/" + TokenPath, StringComparison.OrdinalIgnoreCase)
                    && !HttpMethods.IsPost(request.Method))
                    context.SkipRequest();
                return default;
            })
            .SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ExtractTokenRequestContext>(b => b.UseInlineHandler(async context =>
            {
                // Before OpenIddict reads the form: ASP.NET refuses a form value holding U+0000 by throwing, which
                // was a 500. Reading it here first turns that into invalid_request; the form is then cached for OpenIddict.
                if (context.Transaction.GetHttpRequest() is not { HasFormContentType: true } request)
                    return;
                try
                {
                    var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
                    if (form.All(p => StorableText.IsStorable(p.Key) && p.Value.All(v => StorableText.IsStorable(v ?? ""))))
                        return;
                }
                catch (InvalidDataException)
                {
                }
                context.Reject(Errors.InvalidRequest, "A parameter holds U+0000 or an unpaired surrogate character.");
            })
            .SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
            {
                // RFC 6749 §3.3: scope-tokens separated by single spaces. Regression (contract fuzzer): a scope of
                // spaces only was read as no scope and granted every scope the client holds.
                if (context.Request.Scope is { Length: > 0 } scope && !ScopeSyntax().IsMatch(scope))
                    context.Reject(Errors.InvalidScope, "scope: scope names separated by single spaces.");
                return default;
            })
            .SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ApplyTokenResponseContext>(b => b.UseScopedHandler<AuditRefusedTokenRequest>()
            .SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom));

    public const string TokenPath = "connect/token";

    /// <summary>The <c>scope</c> parameter: empty (every scope the client holds) or scope names separated by single spaces.</summary>
    public const string ScopePattern = "^([a-z.]+( [a-z.]+)*)?$";

    [System.Text.RegularExpressions.GeneratedRegex(ScopePattern)]
    private static partial System.Text.RegularExpressions.Regex ScopeSyntax();

    /// <summary>Records a refused token request: the client id it named (when storable) and the OAuth error code.</summary>
    public sealed class AuditRefusedTokenRequest(AuditLog audit) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public async ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (context.Error is not { } error)
                return;
            var client = context.Request?.ClientId is { Length: > 0 and <= 100 } id && StorableText.IsStorable(id) ? id : null;
            var code = error.Length <= 64 && error.All(c => char.IsAsciiLetterLower(c) || c == '_') ? error : "invalid_request";
            var ct = context.Transaction.GetHttpRequest()?.HttpContext.RequestAborted ?? default;
            // Regression (contract fuzzer): `unsupported_grant_type` and `unauthorized_client` are longer than the code
            // column, and the insert failed with a 500. A code that does not fit is kept whole in the detail instead.
            var fits = code.Length <= Data.AuditModel.CodeMaxLength;
            await audit.SecurityEventAsync(new(AuditKinds.SecurityTokenRefused) { Client = client, Code = fits ? code : null, Detail = fits ? null : "error=" + code }, ct);
        }
    }
}
