using System.Numerics;

namespace CrossBorder.Core.Audit;

/// <summary>
/// Verifies RFC 9162 inclusion and consistency proofs. Every input may come from a hostile or
/// broken log, so malformed input (negative or inverted sizes, an index outside the tree, a
/// proof of the wrong length, a null or a hash that is not 32 bytes) yields false, never an
/// exception.
/// </summary>
public static class MerkleVerifier
{
    /// <summary>
    /// Whether <paramref name="auditPath"/> proves that <paramref name="leafHash"/> is leaf
    /// <paramref name="index"/> of the tree of <paramref name="treeSize"/> leaves whose root is
    /// <paramref name="expectedRoot"/> (RFC 9162 §2.1.3.2).
    /// </summary>
    public static bool VerifyInclusion(
        byte[] leafHash, long index, long treeSize, IReadOnlyList<byte[]> auditPath, byte[] expectedRoot)
    {
        if (index < 0 || index >= treeSize) // step 1; also covers treeSize <= 0
            return false;
        if (!IsHash(leafHash) || !IsHash(expectedRoot) || !AreHashes(auditPath))
            return false;
        // Not needed for soundness (steps 4a and 5 catch a wrong length), but it rejects an
        // oversized path before hashing any of it.
        if (auditPath.Count != InclusionProofLength(index, treeSize))
            return false;

        // Steps 2-4.
        long fn = index, sn = treeSize - 1;
        var r = leafHash;
        foreach (var p in auditPath)
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        return sn == 0 && r.AsSpan().SequenceEqual(expectedRoot);
    }

    /// <summary>
    /// Whether <paramref name="proof"/> proves that the tree of <paramref name="toSize"/> leaves
    /// with root <paramref name="toRoot"/> extends, append-only, the tree of
    /// <paramref name="fromSize"/> leaves with root <paramref name="fromRoot"/> (RFC 9162 §2.1.4.2).
    /// </summary>
    /// <remarks>
    /// RFC 9162 defines proofs only for 0 &lt; fromSize &lt; toSize. At the edges, where there
    /// is nothing to prove, the proof must be empty: equal sizes verify when the roots are equal;
    /// fromSize 0 verifies when fromRoot is the empty-tree root SHA-256("") (and, if toSize is
    /// also 0, toRoot too), since any log extends the empty log.
    /// </remarks>
    public static bool VerifyConsistency(
        long fromSize, long toSize, byte[] fromRoot, byte[] toRoot, IReadOnlyList<byte[]> proof)
    {
        if (fromSize < 0 || fromSize > toSize)
            return false;
        if (!IsHash(fromRoot) || !IsHash(toRoot) || !AreHashes(proof))
            return false;

        if (fromSize == 0)
        {
            var empty = MerkleHash.EmptyRoot;
            return proof.Count == 0 && fromRoot.AsSpan().SequenceEqual(empty)
                && (toSize > 0 || toRoot.AsSpan().SequenceEqual(empty));
        }

        if (fromSize == toSize)
            return proof.Count == 0 && fromRoot.AsSpan().SequenceEqual(toRoot);

        // Step 1 (empty proof) is covered here too: a proof for fromSize < toSize is never empty.
        if (proof.Count != ConsistencyProofLength(fromSize, toSize))
            return false;

        // Step 2: the old root is itself a node of the new tree when fromSize is a power of two.
        var path = new List<byte[]>(proof.Count + 1);
        if (BitOperations.IsPow2(fromSize))
            path.Add(fromRoot);
        path.AddRange(proof);

        // Steps 3-4.
        long fn = fromSize - 1, sn = toSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // Steps 5-6.
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 7.
        return sn == 0 && fr.AsSpan().SequenceEqual(fromRoot) && sr.AsSpan().SequenceEqual(toRoot);
    }

    // The length PATH(index, D[size]) has: one hash per level where the paths to the leaf and
    // to the last leaf diverge, plus one per left sibling above the point where they meet.
    private static int InclusionProofLength(long index, long size)
    {
        var inner = 64 - BitOperations.LeadingZeroCount((ulong)(index ^ (size - 1)));
        var border = BitOperations.PopCount((ulong)index >> inner);
        return inner + border;
    }

    // PROOF(m, D[n]) is the path of the old tree's last complete subtree, climbing from the
    // level of m's lowest set bit, plus that subtree's own hash unless it is the old root.
    private static int ConsistencyProofLength(long fromSize, long toSize)
    {
        var level = BitOperations.TrailingZeroCount(fromSize);
        var node = (fromSize - 1) >> level;
        var length = InclusionProofLength(node, ((toSize - 1) >> level) + 1);
        return node == 0 ? length : length + 1;
    }

    private static bool IsHash(byte[]? hash) => hash is { Length: MerkleHash.Size };

    private static bool AreHashes(IReadOnlyList<byte[]>? hashes)
    {
        if (hashes is null)
            return false;
        foreach (var h in hashes)
        {
            if (!IsHash(h))
                return false;
        }

        return true;
    }
}
