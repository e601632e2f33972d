using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CrossBorder.Node.Tests.Evidence;

/// <summary>
/// A second verifier written from docs/evidence-pack.md alone: ES256 with <see cref="ECDsa"/> directly (not the project's Jws
/// class), SHA-256 over the bytes the document names, and the RFC 9162 §2.1.3.2 / §2.1.4.2 algorithms written out here.
/// It throws <see cref="AssertionException"/> naming what does not hold.
/// </summary>
public static class IndependentPackCheck
{
    private sealed record Key(string Node, ECDsa Ecdsa, DateTimeOffset? From, DateTimeOffset? Until);

    public static void Verify(JsonObject pack)
    {
        Assert.That(pack["format"]!.GetValue<string>(), Is.EqualTo("crossborder-evidence/1"));
        var keys = new Dictionary<string, Key>();
        foreach (var k in pack["keys"]!.AsArray())
        {
            var jwk = k!["jwk"]!;
            Assert.That(jwk["kty"]!.GetValue<string>(), Is.EqualTo("EC"));
            Assert.That(jwk["crv"]!.GetValue<string>(), Is.EqualTo("P-256"));
            var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = B64(jwk["x"]!.GetValue<string>()), Y = B64(jwk["y"]!.GetValue<string>()) },
            });
            keys.Add(jwk["kid"]!.GetValue<string>(), new Key(k["node"]!.GetValue<string>(), ecdsa, Time(k["validFrom"]), Time(k["validUntil"])));
        }

        // The manifest: ES256 by the producer's key; then every part's SHA-256 as the document spells it.
        var manifestJws = pack["manifest"]!.GetValue<string>();
        var manifest = JsonNode.Parse(Payload(manifestJws))!;
        var producer = manifest["producer"]!.GetValue<string>();
        Es256(manifestJws, "crossborder-evidence-manifest+jws", keys, producer, Time(manifest["createdAt"])!.Value);
        var expected = new List<(string Name, byte[] Sha256)>();
        var messages = pack["messages"]!.AsArray();
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i]!;
            expected.Add(($"messages[{i}]", m["jws"] is { } jws ? Sha(Encoding.ASCII.GetBytes(jws.GetValue<string>())) : B64(m["sha256"]!.GetValue<string>())));
            if (m["receipt"] is { } receipt)
                expected.Add(($"messages[{i}].receipt", Sha(Encoding.ASCII.GetBytes(receipt.GetValue<string>()))));
        }
        var entries = pack["auditEntries"]!.AsArray();
        for (var i = 0; i < entries.Count; i++)
        {
            expected.Add(($"auditEntries[{i}].leaf", Sha(B64(entries[i]!["leaf"]!.GetValue<string>()))));
            expected.Add(($"auditEntries[{i}].inclusionProof", Sha(Concat(entries[i]!["inclusionProof"]!))));
        }
        expected.Add(("checkpoint.jws", Sha(Encoding.ASCII.GetBytes(pack["checkpoint"]!["jws"]!.GetValue<string>()))));
        expected.Add(("checkpoint.cosignature", Sha(Encoding.ASCII.GetBytes(pack["checkpoint"]!["cosignature"]!.GetValue<string>()))));
        var earlier = pack["earlierCheckpoints"]!.AsArray();
        for (var k = 0; k < earlier.Count; k++)
        {
            expected.Add(($"earlierCheckpoints[{k}].jws", Sha(Encoding.ASCII.GetBytes(earlier[k]!["jws"]!.GetValue<string>()))));
            expected.Add(($"earlierCheckpoints[{k}].cosignature", Sha(Encoding.ASCII.GetBytes(earlier[k]!["cosignature"]!.GetValue<string>()))));
            expected.Add(($"earlierCheckpoints[{k}].consistencyProof", Sha(Concat(earlier[k]!["consistencyProof"]!))));
        }
        var packKeys = pack["keys"]!.AsArray();
        for (var i = 0; i < packKeys.Count; i++)
        {
            var k = packKeys[i]!;
            var jwk = k["jwk"]!;
            var line = string.Concat(new[] { jwk["kty"], jwk["crv"], jwk["x"], jwk["y"], jwk["kid"], k["node"], k["validFrom"], k["validUntil"] }
                .Select(v => (v?.GetValue<string>() ?? "") + "\n"));
            expected.Add(($"keys[{i}]", Sha(Encoding.UTF8.GetBytes(line))));
        }
        var listed = manifest["parts"]!.AsArray().Select(p => (p!["name"]!.GetValue<string>(), p["sha256"]!.GetValue<string>())).ToList();
        Assert.That(listed, Is.EqualTo(expected.Select(e => (e.Name, Base64Url.EncodeToString(e.Sha256))).ToList()), "manifest parts and digests");

        // The checkpoint: the producer's signature, the peer's cosignature over the very same payload bytes.
        var peer = keys.Values.Select(k => k.Node).Distinct().Single(n => n != producer);
        var (size, root) = Checkpoint(pack["checkpoint"]!, keys, producer, peer);
        foreach (var c in earlier)
        {
            var (oldSize, oldRoot) = Checkpoint(c!, keys, producer, peer);
            Assert.That(Consistent(oldSize, size, oldRoot, root, c!["consistencyProof"]!.AsArray().Select(h => B64(h!.GetValue<string>())).ToList()),
                Is.True, $"consistency {oldSize} -> {size}");
        }

        // Every entry: leaf hash SHA-256(0x00 || leaf), its index read from the leaf, the audit path up to the root.
        foreach (var e in entries)
        {
            var leaf = B64(e!["leaf"]!.GetValue<string>());
            var entry = JsonNode.Parse(leaf)!;
            Assert.That(entry["referralId"]!.GetValue<string>(), Is.EqualTo(manifest["referralId"]!.GetValue<string>()));
            var path = e["inclusionProof"]!.AsArray().Select(h => B64(h!.GetValue<string>())).ToList();
            Assert.That(Included(Sha([0x00, .. leaf]), entry["index"]!.GetValue<long>(), size, path, root), Is.True,
                $"inclusion of entry {entry["index"]}");
        }

        // Every message by its sender's key, every receipt by its receiver's, the receipt naming the message's digest.
        foreach (var m in messages)
        {
            string digest;
            if (m!["jws"] is { } jwsNode)
            {
                var jws = jwsNode.GetValue<string>();
                var envelope = JsonNode.Parse(Payload(jws))!;
                Es256(jws, "crossborder-message+jws", keys, envelope["from"]!.GetValue<string>(), Time(envelope["sentAt"])!.Value);
                digest = Base64Url.EncodeToString(Sha(Encoding.ASCII.GetBytes(jws)));
            }
            else
            {
                digest = m["sha256"]!.GetValue<string>();
            }
            if (m["receipt"] is { } receiptNode)
            {
                var receipt = JsonNode.Parse(Payload(receiptNode.GetValue<string>()))!;
                Es256(receiptNode.GetValue<string>(), "crossborder-receipt+jws", keys, receipt["receiver"]!.GetValue<string>(),
                    Time(receipt["receivedAt"])!.Value);
                Assert.That(receipt["digest"]!.GetValue<string>(), Is.EqualTo(digest), "the receipt acknowledges the message's bytes");
            }
        }
    }

    private static (long Size, byte[] Root) Checkpoint(JsonNode c, Dictionary<string, Key> keys, string producer, string peer)
    {
        var jws = c["jws"]!.GetValue<string>();
        var cosignature = c["cosignature"]!.GetValue<string>();
        var payload = JsonNode.Parse(Payload(jws))!;
        var time = Time(payload["time"])!.Value;
        Es256(jws, "crossborder-checkpoint+jws", keys, producer, time);
        Es256(cosignature, "crossborder-cosignature+jws", keys, peer, time);
        Assert.That(cosignature.Split('.')[1], Is.EqualTo(jws.Split('.')[1]), "the cosignature covers the checkpoint's payload");
        Assert.That(payload["origin"]!.GetValue<string>(), Is.EqualTo($"crossborder/{producer}"));
        return (payload["treeSize"]!.GetValue<long>(), B64(payload["rootHash"]!.GetValue<string>()));
    }

    /// <summary>RFC 7515 §5.2 with ES256 (RFC 7518 §3.4): signature = R || S over ASCII(header "." payload).</summary>
    private static void Es256(string jws, string typ, Dictionary<string, Key> keys, string node, DateTimeOffset at)
    {
        var parts = jws.Split('.');
        Assert.That(parts, Has.Length.EqualTo(3));
        var header = JsonNode.Parse(B64(parts[0]))!;
        Assert.That(header["alg"]!.GetValue<string>(), Is.EqualTo("ES256"));
        Assert.That(header["typ"]!.GetValue<string>(), Is.EqualTo(typ));
        var key = keys[header["kid"]!.GetValue<string>()];
        Assert.That(key.Node, Is.EqualTo(node), $"{typ} signed by a key of {node}");
        Assert.That(key.Ecdsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), B64(parts[2]), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation), Is.True, $"{typ} signature");
        Assert.That((key.From is null || at >= key.From) && (key.Until is null || at < key.Until), Is.True, $"{typ} within its key's validity");
    }

    /// <summary>RFC 9162 §2.1.3.2, step by step.</summary>
    private static bool Included(byte[] leafHash, long index, long size, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index >= size) return false;
        long fn = index, sn = size - 1;
        var r = leafHash;
        foreach (var p in path)
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Sha([0x01, .. p, .. r]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Sha([0x01, .. r, .. p]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.SequenceEqual(root);
    }

    /// <summary>RFC 9162 §2.1.4.2, step by step (0 &lt; first &lt; second).</summary>
    private static bool Consistent(long first, long second, byte[] firstRoot, byte[] secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first <= 0 || first >= second || proof.Count == 0) return false;
        var path = (first & (first - 1)) == 0 ? [firstRoot, .. proof] : proof.ToList();
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Sha([0x01, .. c, .. fr]);
                sr = Sha([0x01, .. c, .. sr]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = Sha([0x01, .. sr, .. c]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.SequenceEqual(firstRoot) && sr.SequenceEqual(secondRoot);
    }

    private static byte[] Concat(JsonNode hashes) => [.. hashes.AsArray().SelectMany(h => B64(h!.GetValue<string>()))];

    private static byte[] Payload(string jws) => B64(jws.Split('.')[1]);

    private static byte[] Sha(byte[] bytes) => SHA256.HashData(bytes);

    private static byte[] B64(string text) => Base64Url.DecodeFromChars(text);

    private static DateTimeOffset? Time(JsonNode? node) => node is null ? null
        : DateTimeOffset.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
}
