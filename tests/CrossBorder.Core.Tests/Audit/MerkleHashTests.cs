using System.Text;
using CrossBorder.Core.Audit;
using static CrossBorder.Core.Tests.Audit.CtTestVectors;

namespace CrossBorder.Core.Tests.Audit;

// Expected values from transparency-dev/merkle rfc6962/rfc6962_test.go.
public sealed class MerkleHashTests
{
    [Test]
    public void EmptyRoot_Always_IsSha256OfEmptyString() =>
        Assert.That(Hex(MerkleHash.EmptyRoot), Is.EqualTo(EmptyRoot));

    [Test]
    public void EmptyRoot_MutatedByCaller_DoesNotChangeNextValue()
    {
        MerkleHash.EmptyRoot[0] ^= 0xff;

        Assert.That(Hex(MerkleHash.EmptyRoot), Is.EqualTo(EmptyRoot));
    }

    [Test]
    public void Leaf_EmptyEntry_DiffersFromEmptyRoot() =>
        Assert.That(Hex(MerkleHash.Leaf([])),
            Is.EqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));

    [Test]
    public void Leaf_Entry_HashesWithZeroPrefix() =>
        Assert.That(Hex(MerkleHash.Leaf(Encoding.ASCII.GetBytes("L123456"))),
            Is.EqualTo("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));

    [Test]
    public void Node_ShortChildren_HashesWithOnePrefix() =>
        Assert.That(Hex(MerkleHash.Node(Encoding.ASCII.GetBytes("N123"), Encoding.ASCII.GetBytes("N456"))),
            Is.EqualTo("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"));

    [Test]
    public void Node_TwoLeaves_IsRootOfTwoLeafTree() =>
        Assert.That(Hex(MerkleHash.Node(LeafHashes[0], LeafHashes[1])), Is.EqualTo(Roots[1]));

    [Test]
    public void Node_SwappedChildren_DiffersFromOriginal() =>
        Assert.That(MerkleHash.Node(LeafHashes[1], LeafHashes[0]),
            Is.Not.EqualTo(MerkleHash.Node(LeafHashes[0], LeafHashes[1])));

    [Test]
    public void Leaf_ConcatenationOfTwoHashes_DiffersFromTheirNode() =>
        // Domain separation: a leaf whose entry is left || right is not the node (left, right).
        Assert.That(MerkleHash.Leaf([.. LeafHashes[0], .. LeafHashes[1]]),
            Is.Not.EqualTo(MerkleHash.Node(LeafHashes[0], LeafHashes[1])));
}
