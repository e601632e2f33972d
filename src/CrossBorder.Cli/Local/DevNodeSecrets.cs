using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Cli.Keys;

namespace CrossBorder.Cli.Local;

/// <summary>
/// A local node's generated secrets, kept in <c>.local/&lt;CC&gt;/secrets.json</c> so tokens,
/// encrypted rows and client configurations stay valid across runs of <c>crossborder up</c>.
/// </summary>
public sealed record DevNodeSecrets(string KeyEncryptionKey, string MinistryClientSecret, string AuditorClientSecret)
{
    public const string FileName = "secrets.json";

    public static DevNodeSecrets LoadOrCreate(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<DevNodeSecrets>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path} is empty; delete it to generate new secrets");
        }

        var secrets = new DevNodeSecrets(
            KeyEncryptionKey: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            MinistryClientSecret: System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
            AuditorClientSecret: System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
        Directory.CreateDirectory(directory);
        DevKeyMaterial.WritePrivate(path, JsonSerializer.Serialize(secrets, new JsonSerializerOptions { WriteIndented = true }));
        return secrets;
    }
}
