using CrossBorder.Core.Audit;
using static CrossBorder.Core.Tests.Audit.CtTestVectors;

namespace CrossBorder.Core.Tests.Audit;

/// <summary>
/// Every tree shape up to 64 leaves: proofs equal the RFC's recursive definition, verify, and
/// stop verifying when anything they bind is changed.
/// </summary>
public sealed class MerkleProofPropertyTests
{
    private const int MaxSize = 64;

    // Distinct leaves, so no two subtrees share a hash.
    private static readonly byte[][] Leaves =
        [.. Enumerable.Range(0, MaxSize).Select(i => MerkleHash.Leaf([(byte)i, (byte)(i * 7), 0xa5]))];

    private static readonly byte[][] RootsBySize = [.. Enumerable.Range(0, MaxSize + 1).Select(n => NaiveMerkle.Mth(Leaves[..n]))];

    [Test]
    public void Root_EverySize_MatchesNaiveReference()
    {
        var wrong = Enumerable.Range(0, MaxSize + 1)
            .Where(n => !MerkleTree.Root(Leaves, n).AsSpan().SequenceEqual(RootsBySize[n]));

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void InclusionProof_EveryIndex_MatchesNaiveReference([Range(1, MaxSize)] int size)
    {
        for (var index = 0; index < size; index++)
        {
            Assert.That(Hex(MerkleTree.InclusionProof(Leaves, index, size)),
                Is.EqualTo(Hex(NaiveMerkle.Path(index, Leaves[..size]))), $"leaf {index} of {size}");
        }
    }

    [Test]
    public void ConsistencyProof_EveryFromSize_MatchesNaiveReference([Range(1, MaxSize)] int toSize)
    {
        for (var fromSize = 1; fromSize <= toSize; fromSize++)
        {
            Assert.That(Hex(MerkleTree.ConsistencyProof(Leaves, fromSize, toSize)),
                Is.EqualTo(Hex(NaiveMerkle.Proof(fromSize, Leaves[..toSize]))), $"{fromSize} to {toSize}");
        }
    }

    [Test]
    public void VerifyInclusion_EveryGeneratedProof_ReturnsTrue([Range(1, MaxSize)] int size)
    {
        var failed = Enumerable.Range(0, size)
            .Where(i => !MerkleVerifier.VerifyInclusion(
                Leaves[i], i, size, MerkleTree.InclusionProof(Leaves, i, size), RootsBySize[size]));

        Assert.That(failed, Is.Empty);
    }

    [Test]
    public void VerifyInclusion_AnyTampering_ReturnsFalse([Range(1, MaxSize)] int size)
    {
        var root = RootsBySize[size];
        var verified = new List<string>();
        void Expect(bool ok, string what) { if (ok) verified.Add(what); }

        for (var index = 0; index < size; index++)
        {
            var leaf = Leaves[index];
            var path = MerkleTree.InclusionProof(Leaves, index, size).ToArray();

            for (var j = 0; j < path.Length; j++)
            {
                foreach (var mask in new byte[] { 0x01, 0x80 })
                {
                    var tampered = Copy(path);
                    tampered[j][j % MerkleHash.Size] ^= mask;
                    Expect(MerkleVerifier.VerifyInclusion(leaf, index, size, tampered, root),
                        $"leaf {index}: path[{j}] ^ {mask:x2}");
                }
            }

            for (var other = -1; other <= size; other++)
            {
                if (other != index)
                    Expect(MerkleVerifier.VerifyInclusion(leaf, other, size, path, root), $"leaf {index} as index {other}");
            }

            var flippedLeaf = leaf.ToArray();
            flippedLeaf[^1] ^= 0x01;
            Expect(MerkleVerifier.VerifyInclusion(flippedLeaf, index, size, path, root), $"leaf {index}: leaf bit flipped");
            for (var other = 0; other < size; other++)
            {
                if (other != index)
                    Expect(MerkleVerifier.VerifyInclusion(Leaves[other], index, size, path, root),
                        $"leaf {index}: leaf hash of {other}");
            }

            Expect(MerkleVerifier.VerifyInclusion(leaf, index, size, [.. path, root], root), $"leaf {index}: extended");
            if (path.Length > 0)
                Expect(MerkleVerifier.VerifyInclusion(leaf, index, size, path[..^1], root), $"leaf {index}: truncated");
            Expect(MerkleVerifier.VerifyInclusion(leaf, index, size, path, RootsBySize[size - 1]),
                $"leaf {index}: root of size {size - 1}");
        }

        Assert.That(verified, Is.Empty);
    }

    [Test]
    public void VerifyConsistency_EveryGeneratedProof_ReturnsTrue([Range(1, MaxSize)] int toSize)
    {
        var failed = Enumerable.Range(0, toSize + 1)
            .Where(m => !MerkleVerifier.VerifyConsistency(
                m, toSize, RootsBySize[m], RootsBySize[toSize], MerkleTree.ConsistencyProof(Leaves, m, toSize)));

        Assert.That(failed, Is.Empty);
    }

    [Test]
    public void VerifyConsistency_AnyTamperingOrSwappedRoots_ReturnsFalse([Range(1, MaxSize)] int toSize)
    {
        var n = toSize;
        var r2 = RootsBySize[n];
        var verified = new List<string>();
        void Expect(bool ok, string what) { if (ok) verified.Add(what); }

        for (var m = 1; m <= n; m++)
        {
            var r1 = RootsBySize[m];
            var proof = MerkleTree.ConsistencyProof(Leaves, m, n).ToArray();

            for (var j = 0; j < proof.Length; j++)
            {
                foreach (var mask in new byte[] { 0x01, 0x80 })
                {
                    var tampered = Copy(proof);
                    tampered[j][j % MerkleHash.Size] ^= mask;
                    Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, tampered), $"{m}: proof[{j}] ^ {mask:x2}");
                }
            }

            if (m < n)
            {
                Expect(MerkleVerifier.VerifyConsistency(m, n, r2, r1, proof), $"{m}: swapped roots");
                Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, []), $"{m}: empty proof");
                Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, proof[..^1]), $"{m}: truncated");
                Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, proof[1..]), $"{m}: first dropped");
                Expect(MerkleVerifier.VerifyConsistency(n, m, r2, r1, proof), $"{m}: sizes swapped");
            }

            Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, [.. proof, r2]), $"{m}: extended");
            Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, [r1, .. proof]), $"{m}: r1 prepended");
            Expect(MerkleVerifier.VerifyConsistency(m, n, RootsBySize[m - 1], r2, proof), $"{m}: root of {m - 1} as old");
            Expect(MerkleVerifier.VerifyConsistency(m, n, r1, RootsBySize[n - 1], proof), $"{m}: root of {n - 1} as new");
            Expect(MerkleVerifier.VerifyConsistency(m - 1, n, r1, r2, proof), $"{m}: from size {m - 1}");
            if (m < n)
                Expect(MerkleVerifier.VerifyConsistency(m + 1, n, r1, r2, proof), $"{m}: from size {m + 1}");

            // A forked log: the same old tree, but one of the new leaves changed.
            if (m < n)
            {
                var forked = Copy(Leaves[..n]);
                forked[n - 1][0] ^= 0x01;
                Expect(MerkleVerifier.VerifyConsistency(m, n, r1, r2, MerkleTree.ConsistencyProof(forked, m, n)),
                    $"{m}: proof from a fork");
            }
        }

        Assert.That(verified, Is.Empty);
    }

    private static byte[][] Copy(byte[][] hashes) => [.. hashes.Select(h => h.ToArray())];
}
