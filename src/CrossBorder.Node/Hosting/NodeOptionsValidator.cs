using CrossBorder.Node.Configuration;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Hosting;

/// <summary>Cross-field rules, so a misconfigured node refuses to start and names the setting.</summary>
public sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions o)
    {
        var errors = new List<string>();
        if (o.PublicUrl is { } url && url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
            errors.Add("Node:PublicUrl must use https unless it is a loopback address.");
        foreach (var (setting, key) in new[] { ("SigningKey", o.SigningKey), ("NextSigningKey", o.NextSigningKey), ("TokenSigningKey", o.TokenSigningKey) })
        {
            if (key is null)
                continue;
            if (key.PrivateKeyPath is null && key.PrivateKeyPem is null)
                errors.Add($"Node:{setting} needs PrivateKeyPath or PrivateKeyPem.");
            else if (key.PrivateKeyPath is { } path && !File.Exists(path))
                errors.Add($"Node:{setting}:PrivateKeyPath: file '{path}' does not exist.");
        }
        if (o.NextSigningKey is { } next && next.Kid == o.SigningKey.Kid)
            errors.Add("Node:NextSigningKey:Kid must differ from Node:SigningKey:Kid.");
        if (o.TokenSigningKey is { } token && token.Kid == o.SigningKey.Kid)
            errors.Add("Node:TokenSigningKey:Kid must differ from Node:SigningKey:Kid (a separate key).");
        if (o.KeyEncryptionKey is not null && !IsBase64Key(o.KeyEncryptionKey))
            errors.Add("Node:KeyEncryptionKey must be base64 of exactly 32 bytes.");
        foreach (var (id, key) in o.KeyEncryptionKeys)
        {
            if (id == "k0" || id.Length is 0 or > 32 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                errors.Add($"Node:KeyEncryptionKeys: '{id}' is not a key id (1-32 letters, digits, - or _; k0 is Node:KeyEncryptionKey).");
            if (!IsBase64Key(key))
                errors.Add($"Node:KeyEncryptionKeys:{id} must be base64 of exactly 32 bytes.");
        }
        var configured = o.KeyEncryptionKeys.Keys.Append(o.KeyEncryptionKey is null ? null : "k0").OfType<string>().ToList();
        if (!configured.Contains(o.CurrentKeyEncryptionKey))
            errors.Add($"Node:CurrentKeyEncryptionKey: no key-encryption key '{o.CurrentKeyEncryptionKey}' is configured "
                + "(Node:KeyEncryptionKey is k0; others are in Node:KeyEncryptionKeys).");
        if (o.RetiredKeysJwksPath is { } retired && !File.Exists(retired))
            errors.Add($"Node:RetiredKeysJwksPath: file '{retired}' does not exist.");

        for (var i = 0; i < o.Peers.Count; i++)
        {
            var peer = o.Peers[i];
            if (peer.Country == o.Country)
                errors.Add($"Node:Peers:{i}:Country must differ from the node's own country.");
            if (peer.Jwks is null && peer.JwksPath is null)
                errors.Add($"Node:Peers:{i} needs Jwks or JwksPath (the peer's pinned public keys).");
            else if (peer.JwksPath is { } jwks && !File.Exists(jwks))
                errors.Add($"Node:Peers:{i}:JwksPath: file '{jwks}' does not exist.");
            if (peer.Url is { } peerUrl && peerUrl.Scheme == Uri.UriSchemeHttp && !peerUrl.IsLoopback)
                errors.Add($"Node:Peers:{i}:Url must use https unless it is a loopback address.");
            // The peer's token endpoint and exchange API are resolved under it (and its requests matched to it).
            if (peer.Url is { IsAbsoluteUri: true } baseUrl && !baseUrl.AbsolutePath.EndsWith('/'))
                errors.Add($"Node:Peers:{i}:Url must end with '/' (the peer's API lives under it).");
        }
        if (o.Peers.GroupBy(p => p.Country).Any(g => g.Count() > 1))
            errors.Add("Node:Peers lists a country twice.");

        for (var i = 0; i < o.Clients.Count; i++)
        {
            foreach (var scope in o.Clients[i].Scopes.Where(s => !Scopes.Ministry.Contains(s)))
                errors.Add($"Node:Clients:{i}:Scopes: '{scope}' is not a client scope (allowed: {string.Join(", ", Scopes.Ministry)}).");
            if (PeerIdentity.IsPeer(o.Clients[i].ClientId))
                errors.Add($"Node:Clients:{i}:ClientId: the 'node-' prefix is reserved for peer nodes.");
        }
        if (o.Clients.GroupBy(c => c.ClientId).Any(g => g.Count() > 1))
            errors.Add("Node:Clients lists a client id twice.");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsBase64Key(string value)
    {
        var buffer = new byte[32];
        return Convert.TryFromBase64String(value, buffer, out var written) && written == 32;
    }
}
