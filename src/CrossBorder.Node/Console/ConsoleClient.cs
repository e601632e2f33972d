using Scopes = CrossBorder.Node.Http.Scopes;
using CrossBorder.Node.Http;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CrossBorder.Node.Console;

/// <summary>
/// The console as an OAuth2 client of its own node: public (a browser keeps no secret), authorization code with
/// PKCE required (RFC 7636), one redirect URI on this node's <c>/console/</c>, and only the people's scopes.
/// </summary>
public static class ConsoleClient
{
    public const string ClientId = "console";
    public const string Path = "/console/";
    public const string AuthorizePath = "connect/authorize";

    /// <summary>The subject of a person's token: the account id, never the name.</summary>
    public const string SubjectPrefix = "account:";

    public static Uri RedirectUri(Uri publicUrl) => new(publicUrl, Path);

    public static OpenIddictApplicationDescriptor Descriptor(Uri publicUrl)
    {
        var d = new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "CrossBorder console",
            RedirectUris = { RedirectUri(publicUrl) },
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + Scopes.AuditRead,
                Permissions.Prefixes.Scope + Scopes.Operations,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        return d;
    }

    public static Guid? AccountOf(string? subject) =>
        subject is { } s && s.StartsWith(SubjectPrefix, StringComparison.Ordinal) && Guid.TryParse(s[SubjectPrefix.Length..], out var id)
            ? id
            : null;
}
