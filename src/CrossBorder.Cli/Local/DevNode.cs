using CrossBorder.Cli.Keys;

namespace CrossBorder.Cli.Local;

/// <summary>One node of the local pair: where it listens and where its generated material lives.</summary>
public sealed record DevNode(string Country, int Port, string Directory, string Kid, string TokenKid, DevNodeSecrets Secrets)
{
    public static readonly string[] MinistryScopes = ["referrals.read", "referrals.write"];
    public static readonly string[] AuditorScopes = ["audit.read"];

    public string Url => $"http://127.0.0.1:{Port}";

    public string Database => $"crossborder_{Country.ToLowerInvariant()}";

    public string ConfigPath => Path.Combine(Directory, "node.json");

    public string PrivateKeyPath => Path.Combine(Directory, DevKeyMaterial.PrivateKeyFileName);

    public string JwksPath => Path.Combine(Directory, DevKeyMaterial.JwksFileName);

    /// <summary>The token server's own key (access tokens), apart from the evidence key above.</summary>
    public string TokenKeyDirectory => Path.Combine(Directory, "token");

    public string TokenPrivateKeyPath => Path.Combine(TokenKeyDirectory, DevKeyMaterial.PrivateKeyFileName);

    public string MinistryClientId => $"{Country.ToLowerInvariant()}-ministry";

    public string AuditorClientId => $"{Country.ToLowerInvariant()}-auditor";

    /// <summary>Loads the node's key and secrets from <c>&lt;localDirectory&gt;/&lt;CC&gt;/</c>, generating them on first use.</summary>
    public static DevNode Prepare(string localDirectory, string country, int port)
    {
        var directory = Path.Combine(localDirectory, country);
        using var key = DevKeyMaterial.LoadOrCreate(directory, country);
        using var token = DevKeyMaterial.LoadOrCreate(Path.Combine(directory, "token"), country);
        return new DevNode(country, port, directory, key.Kid, token.Kid, DevNodeSecrets.LoadOrCreate(directory));
    }
}
