using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Console;
using Microsoft.Playwright;

namespace CrossBorder.Node.Tests.Console;

/// <summary>
/// The console's in-browser verifier (verify.js, run in Chromium) against Core's RFC 9162 tree and JWS code: every
/// inclusion and consistency proof of trees of 1-40 leaves is accepted, and a changed leaf, a forked history, another
/// root or a changed signature is refused. The page is served from the node's embedded files, with no node running.
/// </summary>
[TestFixture]
public sealed class ConsoleVerifierTests
{
    // localhost: a secure context (WebCrypto needs one), answered by the route below, not by a server.
    private const string Origin = "http://localhost:9";

    [Test]
    public async Task BrowserVerifier_AgreesWithCore_AcceptsProofsRefusesChanges()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var assets = new ConsoleAssets();
        await page.RouteAsync(Origin + "/**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path.StartsWith("/console/", StringComparison.Ordinal) && assets.Names.Contains(path["/console/".Length..]))
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 200,
                    ContentType = "text/javascript",
                    BodyBytes = assets.Bytes(path["/console/".Length..]),
                });
            else
                await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/html", Body = "<!doctype html><title>verifier</title>" });
        });
        await page.GotoAsync(Origin + "/");

        var cases = new List<object>();
        const int maxSize = 40;
        var leaves = Enumerable.Range(0, maxSize).Select(i => Encoding.UTF8.GetBytes($"{{\"index\":{i}}}")).ToList();
        var hashes = leaves.Select(l => MerkleHash.Leaf(l)).ToList();
        for (var size = 1; size <= maxSize; size++)
        {
            var root = MerkleTree.Root(hashes, size);
            for (var i = 0; i < size; i++)
                cases.Add(new { kind = "inclusion", index = i, size, leaf = B64(leaves[i]), path = MerkleTree.InclusionProof(hashes, i, size).Select(B64), root = B64(root) });
            for (var m = 1; m <= size; m++)
                cases.Add(new { kind = "consistency", first = m, size, firstRoot = B64(MerkleTree.Root(hashes, m)), root = B64(root),
                    proof = MerkleTree.ConsistencyProof(hashes, m, size).Select(B64) });
        }
        using var key = SigningKey.Generate("FR-verifier-test");
        var jwk = key.PublicJwk();
        var jws = Jws.Sign("{\"origin\":\"FR\",\"treeSize\":3}"u8, key, "crossborder-checkpoint+jws");

        var failures = await page.EvaluateAsync<string[]>(Script,
            new { cases, jws, key = new { kid = jwk.Kid, x = jwk.X, y = jwk.Y, own = true, owner = "FR" } });
        Assert.That(failures, Is.Empty);
        TestContext.Out.WriteLine($"{cases.Count} proofs checked in the browser");
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>Each proof must verify as given and fail once a leaf, the first root or the second root is changed.</summary>
    private const string Script = """
        async ({ cases, jws, key }) => {
          const v = await import("/console/verify.js");
          const failures = [];
          const changed = (b64) => { const b = v.fromB64url(b64); b[0] ^= 1; return b; };
          for (const c of cases) {
            if (c.kind === "inclusion") {
              const path = c.path.map(v.fromB64url), root = v.fromB64url(c.root);
              const ok = await v.rootFromInclusion(c.index, c.size, await v.leafHash(v.fromB64url(c.leaf)), path);
              if (!ok || !v.equal(ok, root)) failures.push(`inclusion ${c.index}/${c.size} refused`);
              const bad = await v.rootFromInclusion(c.index, c.size, await v.leafHash(changed(c.leaf)), path);
              if (bad && v.equal(bad, root)) failures.push(`inclusion ${c.index}/${c.size} with a changed leaf accepted`);
            } else {
              const proof = c.proof.map(v.fromB64url);
              if (!await v.verifyConsistency(c.first, c.size, v.fromB64url(c.firstRoot), v.fromB64url(c.root), proof))
                failures.push(`consistency ${c.first}->${c.size} refused`);
              if (await v.verifyConsistency(c.first, c.size, changed(c.firstRoot), v.fromB64url(c.root), proof))
                failures.push(`consistency ${c.first}->${c.size} with a forked first tree accepted`);
              if (c.first < c.size && await v.verifyConsistency(c.first, c.size, v.fromB64url(c.firstRoot), changed(c.root), proof))
                failures.push(`consistency ${c.first}->${c.size} with another second root accepted`);
            }
          }
          const good = await v.verifyJws(jws, [key], "crossborder-checkpoint+jws");
          if (!good.ok) failures.push("JWS refused: " + good.reason);
          const parts = jws.split(".");
          const sig = v.fromB64url(parts[2]); sig[5] ^= 1;
          if ((await v.verifyJws(parts[0] + "." + parts[1] + "." + v.b64url(sig), [key], "crossborder-checkpoint+jws")).ok)
            failures.push("JWS with a changed signature accepted");
          if ((await v.verifyJws(jws, [key], "crossborder-cosignature+jws")).ok) failures.push("JWS of another type accepted");
          if ((await v.verifyJws(jws, [{ ...key, kid: "other" }], "crossborder-checkpoint+jws")).ok) failures.push("JWS under an unknown key accepted");
          return failures;
        }
        """;
}
