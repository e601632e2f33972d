using CrossBorder.Cli.Keys;

namespace CrossBorder.Cli.Commands;

/// <summary><c>crossborder keys generate</c>: a new signing key for configuring a real node.</summary>
public sealed class KeysGenerateCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["keys", "generate"];

    public string Summary => "write a new ES256 signing key (signing-key.pem) and its public jwks.json";

    public string Usage => """
        Usage: crossborder keys generate --country <CC> --out <dir>

          --country  two-letter country code of the node, e.g. FR (used in the kid)
          --out      folder to write signing-key.pem (PKCS#8, mode 600) and jwks.json into;
                     an existing signing-key.pem there is never replaced

        Give jwks.json to the peer to pin; keep signing-key.pem on the node only.

        """;

    public Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var countryText = arguments.GetRequiredString("country");
        var outDirectory = Path.GetFullPath(arguments.GetRequiredString("out"));
        arguments.EnsureAllRead();

        string country;
        try
        {
            country = DevKeyMaterial.NormalizeCountry(countryText);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        using var material = DevKeyMaterial.Generate(country);
        material.WriteTo(outDirectory, overwrite: false);

        Console.WriteLine($"kid: {material.Kid}");
        Console.WriteLine($"private key: {Path.Combine(outDirectory, DevKeyMaterial.PrivateKeyFileName)}");
        Console.WriteLine($"public JWKS: {Path.Combine(outDirectory, DevKeyMaterial.JwksFileName)}");
        return Task.FromResult(ExitCodes.Ok);
    }
}
