using System.Text.RegularExpressions;
using CrossBorder.Deploy.Tests.Infrastructure;
using k8s.Models;

namespace CrossBorder.Deploy.Tests;

/// <summary>No real key, password or secret is committed under deploy/: the Secrets template holds placeholders only.</summary>
public sealed partial class SecretsTests
{
    [Test]
    public void SecretsTemplate_EveryValue_IsAPlaceholder()
    {
        var secrets = Manifest.Parse(Repository.Read("deploy/kubernetes/secrets.example.yaml")).Select(m => m.As<V1Secret>()).ToList();
        Assert.That(secrets.Select(s => s.Metadata.Name), Is.SupersetOf(new[]
            { "crossborder-node-keys", "crossborder-node-clients", "crossborder-db-app-role", "crossborder-backup-credentials" }));
        Assert.Multiple(() =>
        {
            foreach (var secret in secrets)
            {
                Assert.That(secret.Data, Is.Null.Or.Empty, $"{secret.Metadata.Name}: base64 data could hide a real value");
                foreach (var (key, value) in secret.StringData)
                {
                    var isUserName = key == "username" && secret.Type == "kubernetes.io/basic-auth";
                    Assert.That(isUserName || value.StartsWith("REPLACE-", StringComparison.Ordinal), Is.True,
                        $"{secret.Metadata.Name}/{key} is not a REPLACE-... placeholder");
                    Assert.That(LooksLikeKeyMaterial(value), Is.False, $"{secret.Metadata.Name}/{key} looks like real key material");
                }
            }
        });
    }

    [Test]
    public void DeployFolder_HoldsNoPrivateKeyAndNoRandomLookingSecret()
    {
        var files = Directory.EnumerateFiles(Repository.PathOf("deploy"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}config{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) // git-ignored, local
            .ToList();
        Assert.That(files, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var file in files)
            {
                var text = File.ReadAllText(file);
                Assert.That(PrivateKeyBlock().IsMatch(text), Is.False, $"{file} holds a PEM private key");
                foreach (Match token in Base64Token().Matches(text))
                    Assert.That(LooksLikeKeyMaterial(token.Value), Is.False, $"{file}: '{token.Value[..12]}…' looks like a key or secret");
            }
        });
    }

    [Test]
    public void LooksLikeKeyMaterial_TellsKeysFromPlaceholders()
    {
        Assert.Multiple(() =>
        {
            // Fixed samples of 32 random bytes in base64 and 24 in hex: drawn afresh on each run, about one base64 draw in
            // 170 has fewer than two digits, and the test failed now and then.
            Assert.That(LooksLikeKeyMaterial("q3Jm8Zt0W2vXbR5nY7kL1pQ9sD4fH6gJ0aE2cU8iO3M="), Is.True);
            Assert.That(LooksLikeKeyMaterial("9F3A1C7E5B2D8046AF13C9E7B5D20864F1A3C5E7B9D1F302"), Is.True);
            Assert.That(LooksLikeKeyMaterial("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"), Is.True);
            Assert.That(LooksLikeKeyMaterial("REPLACE-WITH-BASE64-OF-32-RANDOM-BYTES"), Is.False);
            Assert.That(LooksLikeKeyMaterial("crossborder-node-clients"), Is.False);
        });
    }

    /// <summary>A PEM block, or a long token whose characters are as varied as random bytes encode to.</summary>
    private static bool LooksLikeKeyMaterial(string value)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal)) return true;
        var token = value.Trim();
        if (token.Length < 24 || token.Contains(' ')) return false;
        var letters = token.Count(char.IsLetter);
        var digits = token.Count(char.IsDigit);
        var upper = token.Count(char.IsUpper);
        var lower = token.Count(char.IsLower);
        // Random base64 mixes cases and digits; random hex is digits and a-f. Words and kebab-case names are not.
        var base64Like = upper >= 4 && lower >= 4 && digits >= 2 && !token.Contains('-');
        var hexLike = HexToken().IsMatch(token) && digits >= 6 && letters >= 4;
        return base64Like || hexLike;
    }

    [GeneratedRegex("-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex("[A-Za-z0-9+/=_]{32,}")]
    private static partial Regex Base64Token();

    [GeneratedRegex("^[0-9a-fA-F]+$")]
    private static partial Regex HexToken();
}
