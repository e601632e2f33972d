using System.Security.Cryptography;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Validation.AspNetCore;

namespace CrossBorder.Node.Identity;

public static class AuthSetup
{

    /// <summary>The node's own token server (client credentials only) and the validation of its tokens.</summary>
    public static IServiceCollection AddNodeAuth(this IServiceCollection services, NodeOptions node)
    {
        // The options are validated at start; here we only need the raw values to wire OpenIddict.
        // Access tokens are signed by the token key (Node:TokenSigningKey), not by the evidence key, when one is configured.
        var tokenOptions = node.TokenSigningKey ?? node.SigningKey;
        var pem = tokenOptions.PrivateKeyPem ?? File.ReadAllText(tokenOptions.PrivateKeyPath!);
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        var tokenKey = new ECDsaSecurityKey(ecdsa) { KeyId = tokenOptions.Kid };
        // OpenIddict needs an encryption key even when access tokens are not encrypted; derive it from the current
        // KEK so every replica of the node holds the same one.
        var encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, node.KeyEncryptionKeyRing()[node.CurrentKeyEncryptionKey],
            32, info: "crossborder/openiddict-encryption"u8.ToArray());

        services.AddOpenIddict()
            .AddCore(o =>
            {
                o.UseEntityFrameworkCore().UseDbContext<NodeDbContext>();
                o.ReplaceApplicationManager(typeof(OffSocketThreadApplicationManager<>)); // secrets hashed off the socket threads
            })
            .AddServer(o =>
            {
                o.SetIssuer(node.PublicUrl!);
                o.SetTokenEndpointUris(TokenRequestRules.TokenPath);
                o.AddTokenRequestRules();
                o.AllowClientCredentialsFlow();
                // People sign in to the console with the authorization code flow, PKCE required (issue 15).
                o.SetAuthorizationEndpointUris(Console.ConsoleClient.AuthorizePath);
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                // Scope permissions are checked in TokenEndpoint, to answer invalid_scope (RFC 6749 §5.2).
                o.IgnoreScopePermissions();
                o.RegisterScopes([.. Scopes.All]);
                o.SetAccessTokenLifetime(TimeSpan.FromMinutes(5));
                o.AddSigningKey(tokenKey);
                o.AddEncryptionKey(new SymmetricSecurityKey(encryptionKey));
                // Access tokens are signed JWTs (ES256) that any resource server can check from the JWKS.
                o.DisableAccessTokenEncryption();
                var aspnet = o.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough();
                if (node.PublicUrl!.Scheme == Uri.UriSchemeHttp)
                    aspnet.DisableTransportSecurityRequirement(); // loopback only: NodeOptionsValidator refuses anything else
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                // Bearer tokens in the Authorization header only (RFC 6750 §2.1): a token in a URL ends up in logs.
                o.UseAspNetCore().DisableAccessTokenExtractionFromQueryString().DisableAccessTokenExtractionFromBodyForm();
            });

        // Every API request authenticates through CachedBearerHandler: OpenIddict's validation, once per token.
        services.AddSingleton<ValidatedTokens>();
        services.AddAuthentication(CachedBearerHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, CachedBearerHandler>(CachedBearerHandler.SchemeName, o =>
            {
                o.ForwardChallenge = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
                o.ForwardForbid = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            });
        services.Replace(ServiceDescriptor.Scoped<IAuthenticationHandlerProvider, TokenServerScope>());
        services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.ReferralsRead, p => p.RequireAssertion(c => c.User.HasScope(Scopes.ReferralsRead)))
            .AddPolicy(Scopes.ReferralsWrite, p => p.RequireAssertion(c => c.User.HasScope(Scopes.ReferralsWrite)))
            .AddPolicy(Scopes.AuditRead, p => p.RequireAssertion(c => c.User.HasScope(Scopes.AuditRead)))
            .AddPolicy(Scopes.Exchange, p => p.RequireAssertion(c => c.User.HasScope(Scopes.Exchange)))
            .AddPolicy(Scopes.Operations, p => p.RequireAssertion(c => c.User.HasScope(Scopes.Operations)));
        services.AddScoped<ClientRegistrar>();
        return services;
    }
}
