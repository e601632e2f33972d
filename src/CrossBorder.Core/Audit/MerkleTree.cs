using System.Numerics;

namespace CrossBorder.Core.Audit;

/// <summary>
/// Builds RFC 9162 Merkle tree hashes and proofs over the first <c>size</c> leaves of a log.
/// </summary>
/// <remarks>
/// <para>Every method comes in two forms.</para>
/// <para>Over a list of LEAF HASHES (each <see cref="MerkleHash.Leaf"/> of an entry, 32 bytes):
/// roots and proofs cost O(size) hashes and O(log size) stack, since every leaf below the
/// requested size is read. Fine for a verifier or a log of modest size.</para>
/// <para>Over a <c>subtreeHash(start, end)</c> provider that returns MTH(D[start:end]) for a
/// COMPLETE subtree (end - start a power of two, start a multiple of it), e.g. hashes the
/// sequencer stored as subtrees filled up: only O(log size) provider calls and O(log size)
/// hashes, because the ragged right edge of a tree is rebuilt from at most log2(size) complete
/// subtrees. The provider is never asked for a range that reaches past <c>size</c>.</para>
/// <para>Arguments out of range throw; this class builds proofs for data the caller owns.
/// <see cref="MerkleVerifier"/> is the side that must survive hostile input.</para>
/// </remarks>
public static class MerkleTree
{
    /// <summary>MTH(D[0:size]) (RFC 9162 §2.1.1); the empty root when size is 0.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes, long size)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        CheckSize(leafHashes, size);
        return Root(FromLeaves(leafHashes), size);
    }

    /// <inheritdoc cref="Root(IReadOnlyList{byte[]}, long)"/>
    public static byte[] Root(Func<long, long, byte[]> subtreeHash, long size)
    {
        ArgumentNullException.ThrowIfNull(subtreeHash);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size == 0 ? MerkleHash.EmptyRoot : RangeHash(subtreeHash, 0, size);
    }

    /// <summary>The audit path PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf to root.</summary>
    public static IReadOnlyList<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, long index, long size)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        CheckSize(leafHashes, size);
        return InclusionProof(FromLeaves(leafHashes), index, size);
    }

    /// <inheritdoc cref="InclusionProof(IReadOnlyList{byte[]}, long, long)"/>
    public static IReadOnlyList<byte[]> InclusionProof(Func<long, long, byte[]> subtreeHash, long index, long size)
    {
        ArgumentNullException.ThrowIfNull(subtreeHash);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);

        // PATH(m, D[n]) for n > 1, k the largest power of two below n:
        //   m < k:  PATH(m, D[0:k]) : MTH(D[k:n])
        //   m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k])
        // Walked from the root down, so the path is collected root-first and reversed.
        var path = new List<byte[]>();
        long start = 0, end = size;
        while (end - start > 1)
        {
            var k = LargestPowerOfTwoBelow(end - start);
            if (index - start < k)
            {
                path.Add(RangeHash(subtreeHash, start + k, end));
                end = start + k;
            }
            else
            {
                path.Add(RangeHash(subtreeHash, start, start + k));
                start += k;
            }
        }

        path.Reverse();
        return path;
    }

    /// <summary>
    /// The consistency proof PROOF(fromSize, D[0:toSize]) of RFC 9162 §2.1.4.1. Empty when
    /// fromSize is 0 or equals toSize: there is nothing to prove (see
    /// <see cref="MerkleVerifier.VerifyConsistency"/>).
    /// </summary>
    public static IReadOnlyList<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long fromSize, long toSize)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        CheckSize(leafHashes, toSize);
        return ConsistencyProof(FromLeaves(leafHashes), fromSize, toSize);
    }

    /// <inheritdoc cref="ConsistencyProof(IReadOnlyList{byte[]}, long, long)"/>
    public static IReadOnlyList<byte[]> ConsistencyProof(Func<long, long, byte[]> subtreeHash, long fromSize, long toSize)
    {
        ArgumentNullException.ThrowIfNull(subtreeHash);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSize, toSize);

        var proof = new List<byte[]>();
        if (fromSize == 0 || fromSize == toSize)
            return proof;

        // SUBPROOF(m, D[n], b), walked from the root down (collected root-first, then reversed):
        //   m == n:  {} if b, else { MTH(D[m]) }
        //   m <= k:  SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
        //   m > k:   SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
        long m = fromSize, start = 0, end = toSize;
        var wholeOldTree = true;
        while (m != end - start)
        {
            var k = LargestPowerOfTwoBelow(end - start);
            if (m <= k)
            {
                proof.Add(RangeHash(subtreeHash, start + k, end));
                end = start + k;
            }
            else
            {
                proof.Add(RangeHash(subtreeHash, start, start + k));
                m -= k;
                start += k;
                wholeOldTree = false;
            }
        }

        // Here D[start:end] is a complete subtree of the old tree. When it is the whole old
        // tree the verifier already holds its hash (the old root), so it is left out.
        if (!wholeOldTree)
            proof.Add(RangeHash(subtreeHash, start, end));

        proof.Reverse();
        return proof;
    }

    /// <summary>The largest power of two strictly less than n, for n &gt; 1.</summary>
    private static long LargestPowerOfTwoBelow(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    // MTH(D[start:end]) for a range the MTH recursion can produce. Its complete subtrees come
    // from the provider; a ragged range splits at the largest power of two below its length.
    private static byte[] RangeHash(Func<long, long, byte[]> subtreeHash, long start, long end)
    {
        var n = end - start;
        if (BitOperations.IsPow2(n))
            return subtreeHash(start, end);
        var k = LargestPowerOfTwoBelow(n);
        return MerkleHash.Node(subtreeHash(start, start + k), RangeHash(subtreeHash, start + k, end));
    }

    private static Func<long, long, byte[]> FromLeaves(IReadOnlyList<byte[]> leafHashes) =>
        (start, end) => CompleteSubtreeHash(leafHashes, start, end);

    private static byte[] CompleteSubtreeHash(IReadOnlyList<byte[]> leafHashes, long start, long end)
    {
        if (end - start == 1)
        {
            var leaf = leafHashes[(int)start];
            if (leaf is not { Length: MerkleHash.Size })
                throw new ArgumentException(
                    $"Leaf hash {start} is not {MerkleHash.Size} bytes; pass MerkleHash.Leaf(entry), not the entry.",
                    nameof(leafHashes));
            return leaf;
        }

        var half = (end - start) / 2;
        return MerkleHash.Node(
            CompleteSubtreeHash(leafHashes, start, start + half),
            CompleteSubtreeHash(leafHashes, start + half, end));
    }

    private static void CheckSize(IReadOnlyList<byte[]> leafHashes, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, leafHashes.Count);
    }
}
