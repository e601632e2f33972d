using CrossBorder.Node.Peers;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Keys;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CrossBorder.Node.Identity;

/// <summary>
/// Makes the token server's clients exactly those of the configuration: ministry clients with their
/// secrets and scopes, and one <c>node-XX</c> client per peer that authenticates with
/// <c>private_key_jwt</c> against the peer's pinned public keys and may only ask for <c>exchange</c>.
/// </summary>
public sealed class ClientRegistrar(IOpenIddictApplicationManager applications, IOptions<NodeOptions> options, NodeKeys keys)
{
    public async Task SyncAsync(CancellationToken ct)
    {
        // The scopes are not stored: the token server knows them from its options (AuthSetup, RegisterScopes).
        var wanted = new Dictionary<string, OpenIddictApplicationDescriptor>
        {
            [Console.ConsoleClient.ClientId] = Console.ConsoleClient.Descriptor(options.Value.PublicUrl!), // issue 15
        };
        foreach (var client in options.Value.Clients)
            wanted[client.ClientId] = Descriptor(client.ClientId, client.Scopes, d => d.ClientSecret = client.ClientSecret);
        foreach (var peer in options.Value.Peers)
            wanted[PeerIdentity.ClientIdOf(peer.Country)] = Descriptor(PeerIdentity.ClientIdOf(peer.Country), [Http.Scopes.Exchange], d =>
            {
                d.JsonWebKeySet = new JsonWebKeySet(keys.PeerJwks[peer.Country]);
            });

        var existing = new List<object>();
        await foreach (var app in applications.ListAsync(count: null, offset: null, ct))
            existing.Add(app);
        foreach (var app in existing)
        {
            var clientId = await applications.GetClientIdAsync(app, ct);
            if (clientId is null || !wanted.Remove(clientId, out var descriptor))
                await applications.DeleteAsync(app, ct);
            else
                await applications.UpdateAsync(app, descriptor, ct);
        }
        foreach (var descriptor in wanted.Values)
            await applications.CreateAsync(descriptor, ct);
    }

    private static OpenIddictApplicationDescriptor Descriptor(string clientId, IEnumerable<string> granted,
        Action<OpenIddictApplicationDescriptor> credentials)
    {
        var d = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Confidential,
            DisplayName = clientId,
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
        };
        foreach (var scope in granted)
            d.Permissions.Add(Permissions.Prefixes.Scope + scope);
        credentials(d);
        return d;
    }
}
