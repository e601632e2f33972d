using CrossBorder.Core.Audit;
using static CrossBorder.Core.Tests.Audit.CtTestVectors;

namespace CrossBorder.Core.Tests.Audit;

public sealed class MerkleTreeTests
{
    [Test]
    public void Root_SizeZero_IsEmptyRoot() =>
        Assert.That(Hex(MerkleTree.Root(LeafHashes, 0)), Is.EqualTo(EmptyRoot));

    [Test]
    public void Root_CtReferenceLeaves_MatchesPublishedRoots([Range(1, 8)] int size) =>
        Assert.That(Hex(MerkleTree.Root(LeafHashes, size)), Is.EqualTo(Roots[size - 1]));

    [TestCaseSource(typeof(CtTestVectors), nameof(InclusionProofs))]
    public void InclusionProof_CtReferenceLeaves_MatchesPublishedPath(Inclusion vector) =>
        Assert.That(Hex(MerkleTree.InclusionProof(LeafHashes, vector.Index, vector.Size)), Is.EqualTo(vector.Path));

    [TestCaseSource(typeof(CtTestVectors), nameof(ConsistencyProofs))]
    public void ConsistencyProof_CtReferenceLeaves_MatchesPublishedProof(Consistency vector) =>
        Assert.That(Hex(MerkleTree.ConsistencyProof(LeafHashes, vector.FromSize, vector.ToSize)),
            Is.EqualTo(vector.Proof));

    [Test]
    public void ConsistencyProof_FromSizeZero_IsEmpty() =>
        Assert.That(MerkleTree.ConsistencyProof(LeafHashes, 0, 8), Is.Empty);

    [Test]
    public void Root_SizeBeyondLeaves_Throws() =>
        Assert.That(() => MerkleTree.Root(LeafHashes, 9), Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public void Root_NegativeSize_Throws() =>
        Assert.That(() => MerkleTree.Root(LeafHashes, -1), Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public void Root_EntriesInsteadOfLeafHashes_Throws() =>
        Assert.That(() => MerkleTree.Root(Entries, 8),
            Throws.ArgumentException.With.Message.Contains("MerkleHash.Leaf"));

    [TestCase(8, 8)]
    [TestCase(-1, 8)]
    [TestCase(0, 0)]
    public void InclusionProof_IndexOutsideTree_Throws(long index, long size) =>
        Assert.That(() => MerkleTree.InclusionProof(LeafHashes, index, size),
            Throws.InstanceOf<ArgumentOutOfRangeException>());

    [TestCase(5, 4)]
    [TestCase(-1, 4)]
    [TestCase(1, 9)]
    public void ConsistencyProof_InvalidSizes_Throws(long fromSize, long toSize) =>
        Assert.That(() => MerkleTree.ConsistencyProof(LeafHashes, fromSize, toSize),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
}
