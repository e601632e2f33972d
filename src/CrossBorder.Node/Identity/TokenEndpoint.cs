using System.Security.Claims;
using System.Text.Json;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CrossBorder.Node.Identity;

public static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        // OpenIddict has already authenticated the client (secret or private_key_jwt, signature, audience,
        // lifetime) and checked that every requested scope exists before this runs.
        app.MapPost("/connect/token", async (HttpContext http, IOpenIddictApplicationManager applications, NodeDbContext db,
            AuditLog audit, Console.ConsoleTokens console,
            TimeProvider time, CancellationToken ct) =>
        {
            var request = http.GetOpenIddictServerRequest()
                ?? throw new InvalidOperationException("The OpenIddict request is missing.");
            if (request.IsAuthorizationCodeGrantType())
                return await console.ExchangeCodeAsync(http, ct); // people, through the console (issue 15)
            if (!request.IsClientCredentialsGrantType())
                return Refuse(Errors.UnsupportedGrantType, "Only client_credentials is supported.");

            var application = await applications.FindByClientIdAsync(request.ClientId!, ct)
                ?? throw new InvalidOperationException("The authenticated client no longer exists.");
            var held = (await applications.GetPermissionsAsync(application, ct))
                .Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(p => p[Permissions.Prefixes.Scope.Length..]).ToHashSet();
            var scopes = request.GetScopes();
            if (scopes.FirstOrDefault(s => !held.Contains(s)) is { } refused)
                return Refuse(Errors.InvalidScope, $"This client may not ask for '{refused}'.");
            if (scopes.IsDefaultOrEmpty)
                scopes = [.. held]; // no scope asked: every scope the client holds, the least surprising default

            if (request.ClientAssertion is { } assertion && !await ConsumeAssertionAsync(db, request.ClientId!, assertion, time, ct))
                return Refuse(Errors.InvalidClient, "This client assertion was already used or has no jti.");

            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            identity.SetScopes(scopes);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            await audit.TokenIssuedAsync(request.ClientId!, scopes, ct);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        })
        .ExcludeFromDescription();
        return app;
    }

    /// <summary>Records the assertion's <c>jti</c>; false when it was seen before (a replayed assertion).</summary>
    private static async Task<bool> ConsumeAssertionAsync(NodeDbContext db, string clientId, string assertion, TimeProvider time,
        CancellationToken ct)
    {
        // OpenIddict verified the assertion already; only its jti and exp are read here.
        using var payload = JsonDocument.Parse(Jws.UnverifiedPayload(assertion));
        if (!payload.RootElement.TryGetProperty("jti", out var jti) || jti.GetString() is not { Length: > 0 and <= 128 } id)
            return false;
        var expires = payload.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : time.GetUtcNow().AddHours(1);
        var now = time.GetUtcNow();
        await db.UsedClientAssertions.Where(a => a.ExpiresAt < now.AddMinutes(-10)).ExecuteDeleteAsync(ct);
        // A replay is an answer, not a failure: no unique-violation exception (which EF logs as an error with its stack)
        // for a request the token server refuses by design. A second request with the same jti that arrives while the
        // first is still uncommitted waits for it here, then inserts nothing.
        var recorded = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO used_client_assertions (client_id, jti, expires_at) VALUES ({clientId}, {id}, {expires})
            ON CONFLICT (client_id, jti) DO NOTHING
            """, ct);
        return recorded == 1;
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
