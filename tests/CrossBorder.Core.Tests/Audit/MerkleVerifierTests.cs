using CrossBorder.Core.Audit;
using static CrossBorder.Core.Tests.Audit.CtTestVectors;

namespace CrossBorder.Core.Tests.Audit;

/// <summary>
/// The published CT proofs, and the ways transparency-dev/merkle proof/verify_test.go corrupts
/// them (corruptInclusionProof, corruptConsistencyProof), plus malformed input.
/// </summary>
public sealed class MerkleVerifierTests
{
    private static readonly byte[] Some = H(SomeHash);
    private static readonly byte[] Empty = H(EmptyRoot);

    [TestCaseSource(typeof(CtTestVectors), nameof(InclusionProofs))]
    public void VerifyInclusion_PublishedProof_ReturnsTrue(Inclusion v) =>
        Assert.That(MerkleVerifier.VerifyInclusion(LeafHashes[v.Index], v.Index, v.Size, H(v.Path), Root(v.Size)),
            Is.True);

    [TestCaseSource(typeof(CtTestVectors), nameof(InclusionProofs))]
    public void VerifyInclusion_CorruptedPublishedProof_ReturnsFalse(Inclusion v)
    {
        var leaf = LeafHashes[v.Index];
        var root = Root(v.Size);
        var path = H(v.Path);
        var probes = new List<(string Name, long Index, long Size, byte[] Leaf, byte[][] Path, byte[] Root)>
        {
            ("index - 1", v.Index - 1, v.Size, leaf, path, root),
            ("index + 1", v.Index + 1, v.Size, leaf, path, root),
            ("index ^ 2", v.Index ^ 2, v.Size, leaf, path, root),
            ("size * 2", v.Index, v.Size * 2, leaf, path, root),
            ("size / 2", v.Index, v.Size / 2, leaf, path, root),
            ("wrong leaf", v.Index, v.Size, "WrongLeaf"u8.ToArray(), path, root),
            ("other leaf", v.Index, v.Size, Some, path, root),
            ("empty root", v.Index, v.Size, leaf, path, Empty),
            ("random root", v.Index, v.Size, leaf, path, Some),
            ("trailing garbage", v.Index, v.Size, leaf, [.. path, []], root),
            ("trailing root", v.Index, v.Size, leaf, [.. path, root], root),
            ("preceding garbage", v.Index, v.Size, leaf, [[], .. path], root),
            ("preceding root", v.Index, v.Size, leaf, [root, .. path], root),
        };
        for (var i = 0; i < path.Length; i++)
            probes.Add(($"proof[{i}] bit 3 flipped", v.Index, v.Size, leaf, Flip(path, i, 0x08), root));
        if (path.Length > 0)
            probes.Add(("removed component", v.Index, v.Size, leaf, path[..^1], root));
        if (path.Length > 1)
            probes.Add(("inserted component", v.Index, v.Size, leaf, [path[0], Some, .. path[1..]], root));

        var verified = probes
            .Where(p => MerkleVerifier.VerifyInclusion(p.Leaf, p.Index, p.Size, p.Path, p.Root))
            .Select(p => p.Name);

        Assert.That(verified, Is.Empty);
    }

    [TestCaseSource(typeof(CtTestVectors), nameof(ConsistencyProofs))]
    public void VerifyConsistency_PublishedProof_ReturnsTrue(Consistency v) =>
        Assert.That(MerkleVerifier.VerifyConsistency(v.FromSize, v.ToSize, Root(v.FromSize), Root(v.ToSize), H(v.Proof)),
            Is.True);

    // Equal sizes have an empty proof with nothing to corrupt; the edge-case tests cover them.
    public static IEnumerable<Consistency> NonEmptyConsistencyProofs => ConsistencyProofs.Where(p => p.Proof.Length > 0);

    [TestCaseSource(nameof(NonEmptyConsistencyProofs))]
    public void VerifyConsistency_CorruptedPublishedProof_ReturnsFalse(Consistency v)
    {
        var (m, n) = (v.FromSize, v.ToSize);
        var (r1, r2) = (Root(m), Root(n));
        var proof = H(v.Proof);
        var probes = new List<(string Name, long From, long To, byte[] R1, byte[] R2, byte[][] Proof)>
        {
            ("size1 - 1", m - 1, n, r1, r2, proof),
            ("size1 + 1", m + 1, n, r1, r2, proof),
            ("size1 ^ 2", m ^ 2, n, r1, r2, proof),
            ("size2 * 2", m, n * 2, r1, r2, proof),
            ("size2 / 2", m, n / 2, r1, r2, proof),
            ("wrong root1", m, n, "WrongRoot"u8.ToArray(), r2, proof),
            ("wrong root2", m, n, r1, "WrongRoot"u8.ToArray(), proof),
            ("other root1", m, n, Some, r2, proof),
            ("other root2", m, n, r1, Some, proof),
            ("swapped roots", m, n, r2, r1, proof),
            ("empty proof", m, n, r1, r2, []),
            ("trailing garbage", m, n, r1, r2, [.. proof, []]),
            ("trailing root1", m, n, r1, r2, [.. proof, r1]),
            ("trailing root2", m, n, r1, r2, [.. proof, r2]),
            ("preceding garbage", m, n, r1, r2, [[], .. proof]),
            ("preceding root1", m, n, r1, r2, [r1, .. proof]),
            ("preceding root2", m, n, r1, r2, [r2, .. proof]),
            ("preceding proof[0]", m, n, r1, r2, [proof[0], .. proof]),
            ("truncated proof", m, n, r1, r2, proof[..^1]),
        };
        for (var i = 0; i < proof.Length; i++)
            probes.Add(($"proof[{i}] bit 4 flipped", m, n, r1, r2, Flip(proof, i, 0x10)));

        var verified = probes
            .Where(p => MerkleVerifier.VerifyConsistency(p.From, p.To, p.R1, p.R2, p.Proof))
            .Select(p => p.Name);

        Assert.That(verified, Is.Empty);
    }

    // transparency-dev TestVerifyInclusion: no leaf of an empty or one-leaf tree verifies
    // against a wrong or missing root.
    [TestCase(0, 0)]
    [TestCase(0, 1)]
    [TestCase(1, 0)]
    [TestCase(2, 1)]
    public void VerifyInclusion_EmptyPathWithWrongHashes_ReturnsFalse(long index, long size)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleVerifier.VerifyInclusion(Some, index, size, [], []), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion([], index, size, [], Empty), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion(Some, index, size, [], Empty), Is.False);
        }
    }

    // transparency-dev TestVerifyInclusionSingleEntry: in a one-leaf tree root = leaf hash.
    [Test]
    public void VerifyInclusion_SingleLeafTree_AcceptsOnlyItsLeafHash()
    {
        var hash = MerkleHash.Leaf("data"u8);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleVerifier.VerifyInclusion(hash, 0, 1, [], hash), Is.True);
            Assert.That(MerkleVerifier.VerifyInclusion([], 0, 1, [], hash), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion(hash, 0, 1, [], []), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion([], 0, 1, [], []), Is.False);
        }
    }

    [Test]
    public void VerifyInclusion_NullArguments_ReturnsFalse()
    {
        var path = H(InclusionProofs[1].Path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleVerifier.VerifyInclusion(null!, 0, 8, path, Root(8)), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion(LeafHashes[0], 0, 8, null!, Root(8)), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion(LeafHashes[0], 0, 8, path, null!), Is.False);
            Assert.That(MerkleVerifier.VerifyInclusion(LeafHashes[0], 0, 8, [path[0], null!, path[2]], Root(8)),
                Is.False);
        }
    }

    [Test]
    public void VerifyInclusion_HugeSizeAndIndex_ReturnsFalseWithoutThrowing() =>
        Assert.That(MerkleVerifier.VerifyInclusion(LeafHashes[0], long.MaxValue - 1, long.MaxValue, [], Root(1)),
            Is.False);

    // Our choice at the edges RFC 9162 leaves undefined: nothing to prove, so the proof must
    // be empty; equal sizes need equal roots; size 0 needs the real empty root SHA-256("").
    [TestCase(0, 0, EmptyRoot, EmptyRoot, true)]
    [TestCase(0, 8, EmptyRoot, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", true)]
    [TestCase(0, 1, EmptyRoot, SomeHash, true)]
    [TestCase(0, 1, SomeHash, SomeHash, false)]
    [TestCase(0, 0, EmptyRoot, SomeHash, false)]
    [TestCase(0, 0, SomeHash, SomeHash, false)]
    [TestCase(1, 1, SomeHash, SomeHash, true)]
    [TestCase(1, 1, EmptyRoot, SomeHash, false)]
    [TestCase(8, 8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", true)]
    [TestCase(1, 0, SomeHash, SomeHash, false)]
    [TestCase(2, 1, SomeHash, SomeHash, false)]
    [TestCase(-1, 1, EmptyRoot, SomeHash, false)]
    [TestCase(1, 2, SomeHash, EmptyRoot, false)]
    public void VerifyConsistency_EmptyProofAtEdges_FollowsStatedRule(
        long fromSize, long toSize, string fromRoot, string toRoot, bool expected) =>
        Assert.That(MerkleVerifier.VerifyConsistency(fromSize, toSize, H(fromRoot), H(toRoot), []), Is.EqualTo(expected));

    [TestCase(0, 0)]
    [TestCase(0, 1)]
    [TestCase(1, 1)]
    public void VerifyConsistency_NonEmptyProofWhereNothingToProve_ReturnsFalse(long fromSize, long toSize) =>
        Assert.That(MerkleVerifier.VerifyConsistency(fromSize, toSize, Empty, Empty, [Empty]), Is.False);

    [Test]
    public void VerifyConsistency_RootsNotThirtyTwoBytes_ReturnsFalse()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleVerifier.VerifyConsistency(1, 1, "don't care"u8.ToArray(), "don't care"u8.ToArray(), []),
                Is.False);
            Assert.That(MerkleVerifier.VerifyConsistency(0, 0, [], [], []), Is.False);
        }
    }

    [Test]
    public void VerifyConsistency_NullArguments_ReturnsFalse()
    {
        var proof = H(ConsistencyProofs[2].Proof);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleVerifier.VerifyConsistency(6, 8, null!, Root(8), proof), Is.False);
            Assert.That(MerkleVerifier.VerifyConsistency(6, 8, Root(6), null!, proof), Is.False);
            Assert.That(MerkleVerifier.VerifyConsistency(6, 8, Root(6), Root(8), null!), Is.False);
            Assert.That(MerkleVerifier.VerifyConsistency(6, 8, Root(6), Root(8), [proof[0], null!, proof[2]]),
                Is.False);
        }
    }

    [Test]
    public void VerifyConsistency_HugeSizes_ReturnsFalseWithoutThrowing() =>
        Assert.That(MerkleVerifier.VerifyConsistency(long.MaxValue - 1, long.MaxValue, Root(1), Root(2), [Some]),
            Is.False);

    private static byte[][] Flip(byte[][] hashes, int index, byte mask)
    {
        var copy = hashes.Select(h => h.ToArray()).ToArray();
        copy[index][0] ^= mask;
        return copy;
    }
}
