using CrossBorder.Core.Audit;
using static CrossBorder.Core.Tests.Audit.CtTestVectors;

namespace CrossBorder.Core.Tests.Audit;

public sealed class MerkleFrontierTests
{
    private static readonly byte[][] Leaves =
        [.. Enumerable.Range(0, 64).Select(i => MerkleHash.Leaf([(byte)i, 0x5a]))];

    [Test]
    public void Root_New_IsEmptyRoot() =>
        Assert.That(Hex(new MerkleFrontier().Root()), Is.EqualTo(EmptyRoot));

    [Test]
    public void Root_CtReferenceLeaves_MatchesPublishedRoots()
    {
        var frontier = new MerkleFrontier();
        var roots = new List<string>();
        foreach (var leaf in LeafHashes)
        {
            frontier.Append(leaf);
            roots.Add(Hex(frontier.Root()));
        }

        Assert.That(roots, Is.EqualTo(Roots));
    }

    [Test]
    public void Root_EverySizeUpTo64_MatchesMerkleTreeRoot()
    {
        var frontier = new MerkleFrontier();
        for (var n = 1; n <= Leaves.Length; n++)
        {
            frontier.Append(Leaves[n - 1]);
            Assert.That(Hex(frontier.Root()), Is.EqualTo(Hex(MerkleTree.Root(Leaves, n))), $"size {n}");
            Assert.That(frontier.Nodes, Has.Count.EqualTo(int.PopCount(n)), $"size {n}");
        }
    }

    [Test]
    public void Constructor_StoredState_ContinuesAsIfNeverStopped()
    {
        var first = new MerkleFrontier();
        foreach (var leaf in Leaves[..37])
            first.Append(leaf);

        var resumed = new MerkleFrontier(first.Size, first.Nodes);
        foreach (var leaf in Leaves[37..])
            resumed.Append(leaf);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resumed.Size, Is.EqualTo(64));
            Assert.That(Hex(resumed.Root()), Is.EqualTo(Hex(MerkleTree.Root(Leaves, 64))));
        }
    }

    [Test]
    public void Constructor_WrongNodeCount_Throws() =>
        Assert.That(() => new MerkleFrontier(5, [Leaves[0]]), Throws.ArgumentException);

    [Test]
    public void Constructor_NodeNotThirtyTwoBytes_Throws() =>
        Assert.That(() => new MerkleFrontier(1, [new byte[31]]), Throws.ArgumentException);

    [Test]
    public void Append_EntryInsteadOfLeafHash_Throws() =>
        Assert.That(() => new MerkleFrontier().Append([1, 2, 3]), Throws.ArgumentException);

    [Test]
    public void Nodes_MutatedByCaller_DoesNotChangeFrontier()
    {
        var frontier = new MerkleFrontier();
        frontier.Append(Leaves[0]);

        frontier.Nodes[0][0] ^= 0xff;

        Assert.That(Hex(frontier.Root()), Is.EqualTo(Hex(Leaves[0])));
    }
}
