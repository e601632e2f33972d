using System.CommandLine;
using CrossBorder.Cli.Keys;

namespace CrossBorder.Cli.Commands;

/// <summary><c>crossborder keys generate</c>: a new signing key for configuring a real node.</summary>
public sealed class KeysGenerateCommand : CliCommand
{
    private readonly Option<string> _country = new("--country")
    {
        Description = "two-letter country code of the node, e.g. FR (used in the kid)",
        HelpName = "CC",
        Required = true,
    };

    private readonly Option<string> _out = new("--out")
    {
        Description = "folder to write signing-key.pem (PKCS#8, mode 600) and jwks.json into; an existing signing-key.pem there is never replaced",
        HelpName = "dir",
        Required = true,
    };

    public KeysGenerateCommand()
        : base("keys generate", "write a new ES256 signing key (signing-key.pem) and its public jwks.json", """
            Give jwks.json to the peer to pin; keep signing-key.pem on the node only.
            """)
    {
        _country.Validators.Add(result =>
        {
            try
            {
                DevKeyMaterial.NormalizeCountry(result.GetValueOrDefault<string>() ?? "");
            }
            catch (ArgumentException e)
            {
                result.AddError($"--country: {e.Message}");
            }
        });
        Add(_country);
        Add(_out);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var country = DevKeyMaterial.NormalizeCountry(parse.GetRequiredValue(_country));
        var outDirectory = Path.GetFullPath(parse.GetRequiredValue(_out));

        using var material = DevKeyMaterial.Generate(country);
        material.WriteTo(outDirectory, overwrite: false);

        await Output.WriteLineAsync($"kid: {material.Kid}");
        await Output.WriteLineAsync($"private key: {Path.Combine(outDirectory, DevKeyMaterial.PrivateKeyFileName)}");
        await Output.WriteLineAsync($"public JWKS: {Path.Combine(outDirectory, DevKeyMaterial.JwksFileName)}");
        return ExitCodes.Ok;
    }
}
