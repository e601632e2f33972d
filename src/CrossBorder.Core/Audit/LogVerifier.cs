using System.Numerics;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Audit;

/// <summary>
/// Verifies a whole audit log offline: every leaf re-hashed, the root recomputed and compared with the
/// signed checkpoint, the witness's cosignature, and consistency with a checkpoint saved earlier.
/// When the root does not match, the first altered entry is found by descending from the signed root with
/// the log's own inclusion proofs (O(log n) proofs), trusting a served hash only when it hashes up to the root.
/// </summary>
public sealed class LogVerifier(IKeyResolver logKeys, IKeyResolver? witnessKeys)
{
    /// <param name="checkpointJws">The log's latest checkpoint.</param>
    /// <param name="cosignatureJws">The witness's cosignature of it; required when witness keys are given.</param>
    /// <param name="entries">Every served entry from index 0, at least up to the checkpoint's size.</param>
    /// <param name="previousCheckpointJws">A checkpoint of this log saved earlier, or null.</param>
    /// <param name="inclusionProof">(index, treeSize) → the log's audit path, to name an altered entry; null when unavailable.</param>
    /// <param name="consistencyProof">(from, to) → the log's consistency proof, checked against the saved checkpoint; may be null.</param>
    public LogVerification Verify(string checkpointJws, string? cosignatureJws, IReadOnlyList<ServedEntry> entries,
        string? previousCheckpointJws = null, Func<long, long, IReadOnlyList<byte[]>?>? inclusionProof = null,
        Func<long, long, IReadOnlyList<byte[]>?>? consistencyProof = null)
    {
        var checkpoint = Checkpoint.Verify(checkpointJws, logKeys, out var error);
        if (checkpoint is null)
            return LogVerification.Fail(null, $"the latest checkpoint does not verify with the log's published keys ({error})");
        if (witnessKeys is not null)
        {
            if (cosignatureJws is null)
                return LogVerification.Fail(null, $"the checkpoint at size {checkpoint.TreeSize} carries no cosignature from the peer");
            if (!Checkpoint.VerifyCosignature(checkpointJws, cosignatureJws, witnessKeys, out error))
                return LogVerification.Fail(null, $"the peer's cosignature of the checkpoint at size {checkpoint.TreeSize} does not verify ({error})");
        }

        var size = checkpoint.TreeSize;
        var hashes = new byte[size][];
        for (var i = 0; i < size; i++)
        {
            if (i >= entries.Count)
                return LogVerification.Fail(i, $"entry {i} is missing: the checkpoint covers {size} entries but only {entries.Count} were served");
            var served = entries[i];
            if (served.Index != i)
                return LogVerification.Fail(i, $"entry {i} is missing: position {i} holds index {served.Index}");
            AuditEntry entry;
            try { entry = AuditEntry.FromLeaf(served.Leaf); }
            catch (FormatException e) { return LogVerification.Fail(i, $"entry {i} is not a valid entry ({e.Message})"); }
            if (entry.Index != i)
                return LogVerification.Fail(i, $"entry {i}: its leaf claims index {entry.Index}");
            hashes[i] = MerkleHash.Leaf(served.Leaf);
        }

        if (!Root(hashes, 0, size).AsSpan().SequenceEqual(checkpoint.RootHash))
            return Mismatch(hashes, size, checkpoint.RootHash, inclusionProof, $"the signed checkpoint of size {size}");

        if (previousCheckpointJws is not null)
        {
            var previous = Checkpoint.Verify(previousCheckpointJws, logKeys, out error);
            if (previous is null)
                return LogVerification.Fail(null, $"the saved checkpoint does not verify ({error})");
            if (previous.Origin != checkpoint.Origin)
                return LogVerification.Fail(null, $"the saved checkpoint is of log '{previous.Origin}', not '{checkpoint.Origin}'");
            if (previous.TreeSize > size)
                return LogVerification.Fail(size, $"the log shrank: the saved checkpoint covers {previous.TreeSize} entries, the log now {size}; entries from index {size} were removed");
            if (!Root(hashes, 0, previous.TreeSize).AsSpan().SequenceEqual(previous.RootHash))
                return Mismatch(hashes, previous.TreeSize, previous.RootHash, inclusionProof, $"the saved checkpoint of size {previous.TreeSize}");
            if (consistencyProof is not null)
            {
                var proof = consistencyProof(previous.TreeSize, size);
                if (proof is null || !MerkleVerifier.VerifyConsistency(previous.TreeSize, size, previous.RootHash, checkpoint.RootHash, proof))
                    return LogVerification.Fail(null, $"the log's consistency proof from size {previous.TreeSize} to {size} does not verify");
            }
        }

        return new LogVerification(true, null, $"{size} entries verified; root {AuditEntry.Encode(checkpoint.RootHash)}", checkpoint);
    }

    // Descends from the signed root: at each split the log's proofs supply both children's hashes, which are
    // trusted only when they hash to the (already trusted) parent; the first child whose local hash differs
    // holds the first altered entry. Sound whatever else the log stores; O(log n) proofs.
    private static LogVerification Mismatch(byte[][] hashes, long size, byte[] root,
        Func<long, long, IReadOnlyList<byte[]>?>? inclusionProof, string against)
    {
        if (inclusionProof is not null && size > 0)
        {
            long start = 0, end = size;
            byte[]? trusted = root;
            var pair = false;
            while (end - start > 1)
            {
                var k = LargestPowerOfTwoBelow(end - start);
                var right = Sibling(inclusionProof, start, size, start + k, end);
                var left = Sibling(inclusionProof, start + k, size, start, start + k);
                if (left is null || right is null)
                    return LogVerification.Fail(null, $"the entries do not hash to the root of {against}: the log was altered");
                var localLeft = Root(hashes, start, start + k);
                if (trusted is not null && MerkleHash.Node(localLeft, right).AsSpan().SequenceEqual(trusted))
                {
                    start += k; // the left half holds: the first bad entry is on the right
                    trusted = right;
                }
                else if (trusted is not null && MerkleHash.Node(left, right).AsSpan().SequenceEqual(trusted))
                {
                    end = start + k;
                    trusted = left;
                }
                else
                {
                    // Stored hashes were rewritten along with the entries: from here on follow where the local
                    // and the stored hashes part. Two single leaves side by side cannot be told apart then.
                    pair |= k == 1 && end - start == 2;
                    if (localLeft.AsSpan().SequenceEqual(left)) start += k;
                    else end = start + k;
                    trusted = null;
                }
            }
            if (trusted is null)
                return LogVerification.Fail(start, $"{(pair ? $"entry {start - 1} or entry {start}" : $"entry {start}")} does not match {against}: " +
                    "the entry and its stored hashes were rewritten");
            if (!hashes[start].AsSpan().SequenceEqual(trusted))
                return LogVerification.Fail(start, $"entry {start} does not match {against}: its leaf hash is not the one the signed root commits to (the entry was altered)");
        }
        return LogVerification.Fail(null, $"the entries do not hash to the root of {against}: the log was altered");
    }

    /// <summary>The hash of subtree [from, to) as it appears in the audit path of <paramref name="index"/>, or null.</summary>
    private static byte[]? Sibling(Func<long, long, IReadOnlyList<byte[]>?> inclusionProof, long index, long size, long from, long to)
    {
        var path = inclusionProof(index, size);
        var ranges = new List<(long Start, long End)>();
        long start = 0, end = size;
        while (end - start > 1)
        {
            var k = LargestPowerOfTwoBelow(end - start);
            if (index - start < k)
            {
                ranges.Add((start + k, end));
                end = start + k;
            }
            else
            {
                ranges.Add((start, start + k));
                start += k;
            }
        }
        ranges.Reverse(); // audit paths run leaf to root
        if (path is null || path.Count != ranges.Count)
            return null;
        var j = ranges.IndexOf((from, to));
        return j >= 0 && path[j] is { Length: MerkleHash.Size } hash ? hash : null;
    }

    private static long LargestPowerOfTwoBelow(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    private static byte[] Root(byte[][] hashes, long start, long end)
    {
        var frontier = new MerkleFrontier();
        for (var i = start; i < end; i++) frontier.Append(hashes[i]);
        return frontier.Root();
    }
}

/// <summary>One entry as a log serves it: its claimed index and its exact leaf bytes.</summary>
public sealed record ServedEntry(long Index, byte[] Leaf);

/// <summary>The outcome: <see cref="FirstBadIndex"/> names the first entry that does not hold, when one can be named.</summary>
public sealed record LogVerification(bool IsValid, long? FirstBadIndex, string Message, Checkpoint? Checkpoint)
{
    public static LogVerification Fail(long? index, string message) => new(false, index, message, null);
}
