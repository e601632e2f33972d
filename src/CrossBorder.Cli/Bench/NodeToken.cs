using System.Text.Json;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

public static class NodeToken
{
    /// <summary>A ministry access token from the node's own token server (client credentials).</summary>
    public static async Task<string> FetchMinistryTokenAsync(DevNode node, CancellationToken ct)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync($"{node.Url}/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = node.MinistryClientId,
            ["client_secret"] = node.Secrets.MinistryClientSecret,
            ["scope"] = string.Join(' ', DevNode.MinistryScopes),
        }), ct);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.GetProperty("access_token").GetString()
            ?? throw new InvalidOperationException($"the {node.Country} token server answered without an access_token");
    }
}
