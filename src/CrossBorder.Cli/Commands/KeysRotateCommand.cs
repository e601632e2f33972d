using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Keys;
using CrossBorder.Core.Signing;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder keys rotate</c>: rotates a node's evidence-signing key in two steps, so nothing is ever signed by a key
/// the peer has not pinned. Step 1 writes a new key and configures it as <c>Node:NextSigningKey</c>: once the replicas
/// restart, the node publishes it at <c>/exchange/v1/keys</c> but signs nothing with it; the peer pins the new JWKS
/// (its <c>Peers[].JwksPath</c>). Step 2 (<c>--activate</c>) makes it <c>Node:SigningKey</c> and moves the old public key
/// to <c>Node:RetiredKeysJwksPath</c>, published forever so everything signed before stays verifiable.
/// </summary>
public sealed class KeysRotateCommand : CliCommand
{
    private readonly Option<string> _config = new("--config") { Description = "the node's JSON configuration file (edited in place)", HelpName = "file", Required = true };
    private readonly Option<string?> _out = new("--out") { Description = "step 1: the folder for the new private key (default: beside the current one)", HelpName = "dir" };
    private readonly Option<bool> _activate = new("--activate") { Description = "step 2: sign with the next key from now on, and retire the current one" };
    private readonly Option<int> _validDays = new("--valid-days") { Description = "step 1: the new key's validity period, for expiry warnings (default 730)", DefaultValueFactory = _ => 730 };

    public KeysRotateCommand()
        : base("keys rotate", "rotate the evidence-signing key: publish the next key first, then --activate it", """
            Restart every replica after each step. Between the steps, give the peer this node's new JWKS
            (GET /exchange/v1/keys now lists both keys) to pin; only then activate.
            """)
    {
        foreach (var option in new Option[] { _config, _out, _activate, _validDays })
            Add(option);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var config = await NodeConfigFile.LoadAsync(parse.GetValue(_config)!, ct);
        var (file, node) = (config.Path, config.Node);
        var current = node["SigningKey"] as JsonObject ?? throw new InvalidOperationException($"{file} has no Node:SigningKey");
        var country = node["Country"]?.GetValue<string>() ?? throw new InvalidOperationException($"{file} has no Node:Country");

        if (parse.GetValue(_activate))
        {
            if (node["NextSigningKey"] is not JsonObject next)
            {
                await Error.WriteLineAsync($"{file} has no Node:NextSigningKey: run step 1 (without --activate) first");
                return ExitCodes.Failure;
            }
            var retiredPath = node["RetiredKeysJwksPath"]?.GetValue<string>()
                ?? Path.Combine(Path.GetDirectoryName(file)!, "retired-keys.json");
            var retired = File.Exists(retiredPath) ? JsonWebKeySet.Parse(await File.ReadAllTextAsync(retiredPath, ct)).Keys : [];
            using var old = SigningKey.FromPem(current["Kid"]!.GetValue<string>(), await PemAsync(current, ct));
            await File.WriteAllTextAsync(retiredPath, new JsonWebKeySet([.. retired.Where(k => k.Kid != old.Kid), old.PublicJwk()]).ToJson(), ct);
            node["RetiredKeysJwksPath"] = retiredPath;
            node["SigningKey"] = next.DeepClone();
            node.Remove("NextSigningKey");
            config.Save();
            await Output.WriteLineAsync($"{next["Kid"]} signs from the next restart; {old.Kid} is retired (still published, from {retiredPath})");
            return ExitCodes.Ok;
        }

        if (node["NextSigningKey"] is JsonObject pending)
        {
            await Error.WriteLineAsync($"{file} already has Node:NextSigningKey {pending["Kid"]}: activate it first (--activate)");
            return ExitCodes.Failure;
        }
        var directory = Path.GetFullPath(parse.GetValue(_out)
            ?? Path.GetDirectoryName(current["PrivateKeyPath"]?.GetValue<string>() ?? file)!);
        using var material = DevKeyMaterial.Generate(country);
        var keyPath = Path.Combine(directory, $"signing-key-{material.Kid}.pem");
        Directory.CreateDirectory(directory);
        DevKeyMaterial.WritePrivate(keyPath, material.Key.ExportPkcs8PrivateKeyPem());
        node["NextSigningKey"] = new JsonObject
        {
            ["Kid"] = material.Kid,
            ["PrivateKeyPath"] = keyPath,
            ["NotAfter"] = DateTimeOffset.UtcNow.AddDays(parse.GetValue(_validDays)).ToString("O"),
        };
        config.Save();
        await Output.WriteLineAsync($"""
            next key {material.Kid} written to {keyPath}
            1. restart every replica: /exchange/v1/keys publishes it (it signs nothing yet)
            2. give the peer the new JWKS to pin (its Peers[].JwksPath), and let it restart
            3. crossborder keys rotate --config {file} --activate, then restart every replica again
            """);
        return ExitCodes.Ok;
    }

    private static async Task<string> PemAsync(JsonObject key, CancellationToken ct) =>
        key["PrivateKeyPem"]?.GetValue<string>() ?? await File.ReadAllTextAsync(key["PrivateKeyPath"]!.GetValue<string>(), ct);
}
