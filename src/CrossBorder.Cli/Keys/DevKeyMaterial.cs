using CrossBorder.Core.Signing;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrossBorder.Cli.Keys;

/// <summary>
/// A node's ES256 signing key (ECDSA P-256) with its key id, as files an operator or the local
/// pair hands to a node: <c>signing-key.pem</c> (PKCS#8, private) and <c>jwks.json</c> (public
/// JWK Set, RFC 7517, the file a peer pins).
/// </summary>
public sealed class DevKeyMaterial : IDisposable
{
    public const string PrivateKeyFileName = "signing-key.pem";
    public const string JwksFileName = "jwks.json";

    private DevKeyMaterial(ECDsa key, string kid)
    {
        Key = key;
        Kid = kid;
    }

    public ECDsa Key { get; }

    /// <summary>Key id, e.g. <c>FR-2026-11-3fa85f64</c>: country, month of creation, random suffix.</summary>
    public string Kid { get; }

    public static DevKeyMaterial Generate(string country, TimeProvider? time = null) =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256), NewKid(country, time));

    /// <summary>
    /// Loads the key kept in <paramref name="directory"/>, or generates and writes one there if
    /// there is none yet; the kid comes from the JWKS written next to the private key.
    /// </summary>
    public static DevKeyMaterial LoadOrCreate(string directory, string country, TimeProvider? time = null)
    {
        var pemPath = Path.Combine(directory, PrivateKeyFileName);
        var jwksPath = Path.Combine(directory, JwksFileName);
        if (File.Exists(pemPath))
        {
            // Keep the kid already published; a lost jwks.json only costs a new kid label.
            var kid = File.Exists(jwksPath) ? ReadFirstKid(jwksPath) : NewKid(country, time);
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(pemPath));
            var loaded = new DevKeyMaterial(key, kid);

            // Rewritten from the private key each time, so the pinned public key can never drift from it.
            File.WriteAllText(jwksPath, loaded.ToJwksJson());
            return loaded;
        }

        var generated = Generate(country, time);
        generated.WriteTo(directory);
        return generated;
    }

    /// <summary>Writes both files; refuses to replace an existing private key unless told to.</summary>
    public void WriteTo(string directory, bool overwrite = true)
    {
        Directory.CreateDirectory(directory);
        var pemPath = Path.Combine(directory, PrivateKeyFileName);
        if (!overwrite && File.Exists(pemPath))
        {
            throw new IOException($"{pemPath} already exists; refusing to replace a signing key (old records are verified with it)");
        }

        WritePrivate(pemPath, Key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, JwksFileName), ToJwksJson());
    }

    /// <summary>The public JWKS, in the same shape the node serves at <c>/exchange/v1/keys</c>.</summary>
    public string ToJwksJson() => new JsonWebKeySet([JsonWebKey.FromPublicKey(Kid, Key)]).ToJson();

    public void Dispose() => Key.Dispose();

    public static string NormalizeCountry(string country)
    {
        var code = country.Trim().ToUpperInvariant();
        return code.Length == 2 && code.All(char.IsAsciiLetterUpper)
            ? code
            : throw new ArgumentException($"country must be a two-letter ISO 3166-1 code, not '{country}'");
    }

    /// <summary>Writes a secret file readable by its owner only (where the OS has Unix modes).</summary>
    public static void WritePrivate(string path, string content)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, content);
            return;
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var writer = new StreamWriter(path, options))
        {
            writer.Write(content);
        }

        // UnixCreateMode only applies to new files; tighten one that already existed too.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string NewKid(string country, TimeProvider? time)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        return $"{NormalizeCountry(country)}-{now:yyyy}-{now:MM}-{suffix}";
    }

    private static string ReadFirstKid(string jwksPath)
    {
        var kid = JsonNode.Parse(File.ReadAllText(jwksPath))?["keys"]?[0]?["kid"]?.GetValue<string>();
        return string.IsNullOrEmpty(kid) ? throw new InvalidDataException($"{jwksPath} has no keys[0].kid") : kid;
    }
}
