using System.Numerics;
using CrossBorder.Core.Audit;
using static CrossBorder.Core.Tests.Audit.CtTestVectors;

namespace CrossBorder.Core.Tests.Audit;

/// <summary>The overloads that read stored complete-subtree hashes instead of every leaf.</summary>
public sealed class MerkleTreeProviderTests
{
    private static readonly byte[][] Leaves =
        [.. Enumerable.Range(0, 64).Select(i => MerkleHash.Leaf([(byte)i, 0x3c]))];

    [Test]
    public void ProviderOverloads_EverySizeUpTo64_MatchLeafOverloadsAndAskOnlyForCompleteSubtrees()
    {
        var badRequests = new List<string>();
        for (var size = 0; size <= Leaves.Length; size++)
        {
            var n = size;
            Func<long, long, byte[]> provider = (start, end) =>
            {
                var length = end - start;
                if (!BitOperations.IsPow2(length) || start % length != 0 || end > n)
                    badRequests.Add($"[{start}, {end}) for size {n}");
                return NaiveMerkle.Mth(Leaves[(int)start..(int)end]);
            };

            Assert.That(Hex(MerkleTree.Root(provider, n)), Is.EqualTo(Hex(MerkleTree.Root(Leaves, n))), $"root {n}");
            for (var i = 0; i < n; i++)
            {
                Assert.That(Hex(MerkleTree.InclusionProof(provider, i, n)),
                    Is.EqualTo(Hex(MerkleTree.InclusionProof(Leaves, i, n))), $"leaf {i} of {n}");
            }

            for (var m = 0; m <= n; m++)
            {
                Assert.That(Hex(MerkleTree.ConsistencyProof(provider, m, n)),
                    Is.EqualTo(Hex(MerkleTree.ConsistencyProof(Leaves, m, n))), $"{m} to {n}");
            }
        }

        Assert.That(badRequests, Is.Empty);
    }

    // A log of about 2^40 leaves, all equal, so MTH of any complete subtree of height h is h
    // nested Node calls and the provider is cheap yet honest. Proofs must verify, and the
    // provider must be called O(log size) times.
    [TestCase(1_099_511_627_776L + 12_345L, 987_654_321_012L, 3_000_000_000L)]
    [TestCase(4_611_686_018_427_387_904L - 1, 4_611_686_018_427_387_903L - 7, 2_305_843_009_213_693_952L + 1)]
    public void ProviderOverloads_HugeLog_ProofsVerifyWithLogarithmicProviderCalls(long size, long index, long fromSize)
    {
        var leaf = MerkleHash.Leaf("same"u8);
        var byHeight = new List<byte[]> { leaf };
        while (byHeight.Count < 64)
            byHeight.Add(MerkleHash.Node(byHeight[^1], byHeight[^1]));
        var calls = 0;
        Func<long, long, byte[]> provider = (start, end) =>
        {
            calls++;
            return byHeight[BitOperations.Log2((ulong)(end - start))];
        };
        var bound = 2 * (64 - BitOperations.LeadingZeroCount((ulong)size)) + 2;

        var root = MerkleTree.Root(provider, size);
        var oldRoot = MerkleTree.Root(provider, fromSize);
        calls = 0;
        var path = MerkleTree.InclusionProof(provider, index, size);
        var inclusionCalls = calls;
        calls = 0;
        var proof = MerkleTree.ConsistencyProof(provider, fromSize, size);
        var consistencyCalls = calls;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleVerifier.VerifyInclusion(leaf, index, size, path, root), Is.True);
            Assert.That(MerkleVerifier.VerifyConsistency(fromSize, size, oldRoot, root, proof), Is.True);
            Assert.That(inclusionCalls, Is.LessThanOrEqualTo(bound));
            Assert.That(consistencyCalls, Is.LessThanOrEqualTo(bound));
        }
    }
}
