using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Keys;

namespace CrossBorder.Cli.Local;

/// <summary>
/// Writes what the local pair runs on: each node's <c>node.json</c> (the shape the node binds:
/// <c>ConnectionStrings:Node</c> and the <c>Node</c> section) and <c>dev-clients.json</c>, the
/// client credentials a developer or a script uses against the pair.
/// </summary>
public static class DevConfigFiles
{
    public const string DevClientsFileName = "dev-clients.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void WriteNodeConfig(DevNode node, IEnumerable<DevNode> peers, string connectionString)
    {
        var config = new JsonObject
        {
            ["ConnectionStrings"] = new JsonObject { ["Node"] = connectionString },
            ["Node"] = new JsonObject
            {
                ["Country"] = node.Country,
                ["PublicUrl"] = node.Url,
                ["SigningKey"] = new JsonObject { ["Kid"] = node.Kid, ["PrivateKeyPath"] = node.PrivateKeyPath },
                ["TokenSigningKey"] = new JsonObject { ["Kid"] = node.TokenKid, ["PrivateKeyPath"] = node.TokenPrivateKeyPath },
                ["KeyEncryptionKey"] = node.Secrets.KeyEncryptionKey,
                ["Peers"] = new JsonArray(peers
                    .Select(peer => (JsonNode)new JsonObject { ["Country"] = peer.Country, ["Url"] = peer.Url, ["JwksPath"] = peer.JwksPath })
                    .ToArray()),
                ["Clients"] = new JsonArray(
                    Client("ClientId", "ClientSecret", "Scopes", node.MinistryClientId, node.Secrets.MinistryClientSecret, DevNode.MinistryScopes),
                    Client("ClientId", "ClientSecret", "Scopes", node.AuditorClientId, node.Secrets.AuditorClientSecret, DevNode.AuditorScopes)),
            },
        };
        DevKeyMaterial.WritePrivate(node.ConfigPath, config.ToJsonString(Indented));
    }

    public static string WriteDevClients(string localDirectory, IEnumerable<DevNode> nodes)
    {
        var entries = new JsonObject();
        foreach (var node in nodes)
        {
            entries[node.Country] = new JsonObject
            {
                ["url"] = node.Url,
                ["clients"] = new JsonObject
                {
                    ["ministry"] = Client("clientId", "clientSecret", "scopes", node.MinistryClientId, node.Secrets.MinistryClientSecret, DevNode.MinistryScopes),
                    ["auditor"] = Client("clientId", "clientSecret", "scopes", node.AuditorClientId, node.Secrets.AuditorClientSecret, DevNode.AuditorScopes),
                },
            };
        }

        var path = Path.Combine(localDirectory, DevClientsFileName);
        DevKeyMaterial.WritePrivate(path, new JsonObject { ["nodes"] = entries }.ToJsonString(Indented));
        return path;
    }

    // node.json is PascalCase (.NET configuration), dev-clients.json camelCase: same fields, two spellings.
    private static JsonObject Client(string idName, string secretName, string scopesName, string id, string secret, string[] scopes) =>
        new()
        {
            [idName] = id,
            [secretName] = secret,
            [scopesName] = new JsonArray(scopes.Select(scope => (JsonNode)JsonValue.Create(scope)).ToArray()),
        };
}
