using System.Numerics;

namespace CrossBorder.Core.Audit;

/// <summary>
/// The right edge of a growing log: the roots of its complete subtrees, one per set bit of
/// <see cref="Size"/>, largest (leftmost) first. Lets the sequencer append leaf hashes and take
/// a root in O(log size) time and memory without reading the log back. Persist
/// <see cref="Size"/> and <see cref="Nodes"/> with a checkpoint to resume from it later.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<byte[]> _nodes;

    /// <summary>The frontier of the empty log.</summary>
    public MerkleFrontier() => _nodes = [];

    /// <summary>Resumes from a stored <see cref="Size"/> and <see cref="Nodes"/>.</summary>
    public MerkleFrontier(long size, IReadOnlyList<byte[]> nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count != BitOperations.PopCount((ulong)size))
            throw new ArgumentException(
                $"A log of {size} leaves has {BitOperations.PopCount((ulong)size)} frontier nodes, not {nodes.Count}.",
                nameof(nodes));
        if (nodes.Any(n => n is not { Length: MerkleHash.Size }))
            throw new ArgumentException($"Every frontier node must be {MerkleHash.Size} bytes.", nameof(nodes));
        Size = size;
        _nodes = nodes.Select(n => n.ToArray()).ToList();
    }

    /// <summary>The number of leaves appended so far.</summary>
    public long Size { get; private set; }

    /// <summary>The complete subtree roots, largest first (copies).</summary>
    public IReadOnlyList<byte[]> Nodes => _nodes.Select(n => n.ToArray()).ToList();

    /// <summary>Appends leaf <see cref="Size"/>, given as its leaf hash.</summary>
    public void Append(byte[] leafHash)
    {
        ArgumentNullException.ThrowIfNull(leafHash);
        if (leafHash.Length != MerkleHash.Size)
            throw new ArgumentException($"A leaf hash is {MerkleHash.Size} bytes.", nameof(leafHash));

        // Like a binary increment: each trailing 1 bit of Size is a subtree of the new leaf's
        // height that now has a right sibling, so the two merge and carry upwards.
        var node = leafHash.ToArray();
        for (var s = Size; (s & 1) == 1; s >>= 1)
        {
            node = MerkleHash.Node(_nodes[^1], node);
            _nodes.RemoveAt(_nodes.Count - 1);
        }

        _nodes.Add(node);
        Size++;
    }

    /// <summary>MTH(D[0:Size]): the frontier folded from the right (RFC 9162 §2.1.1).</summary>
    public byte[] Root()
    {
        if (_nodes.Count == 0)
            return MerkleHash.EmptyRoot;
        var root = _nodes[^1];
        for (var i = _nodes.Count - 2; i >= 0; i--)
            root = MerkleHash.Node(_nodes[i], root);
        return root.ToArray();
    }
}
