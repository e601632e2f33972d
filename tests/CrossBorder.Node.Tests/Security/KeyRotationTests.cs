using System.Buffers.Text;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Keys;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// Evidence-key rotation in two steps (issue 13): the next key is published before it signs, the peer pins it, then it
/// signs; the old public key stays published, so a message signed under it still verifies. Tokens have their own key.
/// </summary>
public sealed class KeyRotationTests
{
    [Test]
    public async Task Rotation_NextKeyPublishedFirst_ThenSigns_OldMessagesStillVerify()
    {
        await using var pair = await NodePair.StartAsync();
        var fr = pair.Fr;
        var frClient = await fr.MinistryAsync();
        var before = await DeliveredAsync(pair, frClient);
        var oldKid = fr.Key.Kid;
        Assert.That(await KidOfFirstMessageAsync(frClient, before), Is.EqualTo(oldKid));

        // Step 1: the next key is published, and signs nothing yet.
        using var next = DevKeyMaterial.Generate("FR");
        var nextPem = next.Key.ExportPkcs8PrivateKeyPem();
        await fr.StopAsync();
        await fr.StartAsync(c => (c["Node:NextSigningKey:Kid"], c["Node:NextSigningKey:PrivateKeyPem"]) = (next.Kid, nextPem));
        var published = JsonWebKeySet.Parse(await new HttpClient().GetStringAsync(new Uri(fr.Url, "exchange/v1/keys")));
        Assert.That(published.Keys.Select(k => k.Kid), Is.EquivalentTo(new[] { oldKid, next.Kid }), "the next key is published ahead");
        frClient = await fr.MinistryAsync();
        var during = await DeliveredAsync(pair, frClient);
        Assert.That(await KidOfFirstMessageAsync(frClient, during), Is.EqualTo(oldKid), "the next key signs nothing before it is activated");

        // The peer pins the published set, then step 2: the next key signs, the old one is retired but still published.
        var pinned = new JsonWebKeySet(published.Keys).ToJson();
        await pair.Gb.StopAsync();
        await pair.Gb.StartAsync(c => c["Node:Peers:0:Jwks"] = pinned);
        var retired = Path.Combine(Path.GetTempPath(), $"retired-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(retired, new JsonWebKeySet([fr.Key.PublicJwk()]).ToJson());
        try
        {
            await fr.StopAsync();
            await fr.StartAsync(c =>
            {
                (c["Node:SigningKey:Kid"], c["Node:SigningKey:PrivateKeyPem"]) = (next.Kid, nextPem);
                c["Node:RetiredKeysJwksPath"] = retired;
            });
            frClient = await fr.MinistryAsync();
            var after = await DeliveredAsync(pair, frClient);
            Assert.That(await KidOfFirstMessageAsync(frClient, after), Is.EqualTo(next.Kid), "the new key signs after activation");

            // Everything signed before still verifies against what FR publishes now.
            var keys = new KeyRing(JsonWebKeySet.Parse(await new HttpClient().GetStringAsync(new Uri(fr.Url, "exchange/v1/keys"))).Keys);
            foreach (var id in new[] { before, during, after })
            {
                var jws = JsonNode.Parse(await frClient.GetStringAsync($"api/v1/referrals/{id}/messages"))![0]!["jws"]!.GetValue<string>();
                Assert.That(Jws.Verify(jws, JwsTypes.Message, keys).IsValid, Is.True, $"message of {id} verifies with the published keys");
            }
        }
        finally
        {
            File.Delete(retired);
        }
    }

    [Test]
    public async Task TokenSigningKey_IsSeparateFromTheEvidenceKey()
    {
        using var token = DevKeyMaterial.Generate("FR");
        await using var pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country == "FR")
                (c["Node:TokenSigningKey:Kid"], c["Node:TokenSigningKey:PrivateKeyPem"]) = ("FR-token-1", token.Key.ExportPkcs8PrivateKeyPem());
        });
        var client = await pair.Fr.MinistryAsync();
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(client.DefaultRequestHeaders.Authorization!.Parameter!.Split('.')[0]))!;
        Assert.That(header["kid"]!.GetValue<string>(), Is.EqualTo("FR-token-1"), "access tokens are signed by the token key");
        var evidence = await DeliveredAsync(pair, client);
        Assert.That(await KidOfFirstMessageAsync(client, evidence), Is.EqualTo(pair.Fr.Key.Kid), "messages by the evidence key");
    }

    [Test]
    public async Task RotateCommand_WritesTheNextKey_ThenActivatesAndRetiresTheOldOne()
    {
        var folder = Directory.CreateTempSubdirectory("rotate-").FullName;
        try
        {
            using var current = DevKeyMaterial.Generate("FR");
            current.WriteTo(folder);
            var config = Path.Combine(folder, "node.json");
            await File.WriteAllTextAsync(config, new JsonObject
            {
                ["Node"] = new JsonObject
                {
                    ["Country"] = "FR",
                    ["SigningKey"] = new JsonObject { ["Kid"] = current.Kid, ["PrivateKeyPath"] = Path.Combine(folder, DevKeyMaterial.PrivateKeyFileName) },
                },
            }.ToJsonString());

            Assert.That(await CliApp.InvokeAsync(["keys", "rotate", "--config", config], TextWriter.Null, TextWriter.Null), Is.EqualTo(0));
            var step1 = JsonNode.Parse(await File.ReadAllTextAsync(config))!["Node"]!;
            var nextKid = step1["NextSigningKey"]!["Kid"]!.GetValue<string>();
            Assert.Multiple(() =>
            {
                Assert.That(nextKid, Is.Not.EqualTo(current.Kid));
                Assert.That(File.Exists(step1["NextSigningKey"]!["PrivateKeyPath"]!.GetValue<string>()), Is.True);
                Assert.That(step1["SigningKey"]!["Kid"]!.GetValue<string>(), Is.EqualTo(current.Kid), "step 1 does not switch");
            });
            Assert.That(await CliApp.InvokeAsync(["keys", "rotate", "--config", config], TextWriter.Null, TextWriter.Null), Is.EqualTo(1),
                "one rotation at a time");

            Assert.That(await CliApp.InvokeAsync(["keys", "rotate", "--config", config, "--activate"], TextWriter.Null, TextWriter.Null), Is.EqualTo(0));
            var step2 = JsonNode.Parse(await File.ReadAllTextAsync(config))!["Node"]!;
            var retired = JsonWebKeySet.Parse(await File.ReadAllTextAsync(step2["RetiredKeysJwksPath"]!.GetValue<string>()));
            Assert.Multiple(() =>
            {
                Assert.That(step2["SigningKey"]!["Kid"]!.GetValue<string>(), Is.EqualTo(nextKid));
                Assert.That(step2["NextSigningKey"], Is.Null);
                Assert.That(retired.Keys.Select(k => k.Kid), Is.EqualTo(new[] { current.Kid }), "the old public key is kept");
            });
            Assert.That(await CliApp.InvokeAsync(["keys", "rotate", "--config", config, "--activate"], TextWriter.Null, TextWriter.Null), Is.EqualTo(1),
                "nothing to activate");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> DeliveredAsync(NodePair pair, HttpClient client)
    {
        using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(client, $"api/v1/referrals/{id}"),
            r => r["delivery"]?["state"]?.GetValue<string>() == "delivered", because: "the peer verified and receipted it");
        return id;
    }

    private static async Task<string> KidOfFirstMessageAsync(HttpClient client, string id)
    {
        var jws = JsonNode.Parse(await client.GetStringAsync($"api/v1/referrals/{id}/messages"))![0]!["jws"]!.GetValue<string>();
        return JsonNode.Parse(Base64Url.DecodeFromChars(jws.Split('.')[0]))!["kid"]!.GetValue<string>();
    }
}
