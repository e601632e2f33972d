using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Tests.Audit;

public sealed class LogVerifierTests
{
    private static readonly SigningKey Log = SigningKey.Generate("FR-1");
    private static readonly SigningKey Witness = SigningKey.Generate("GB-1");
    private static readonly LogVerifier Verifier = new(new KeyRing([Log.PublicJwk()]), new KeyRing([Witness.PublicJwk()]));

    private static List<ServedEntry> Entries(int n) => Enumerable.Range(0, n)
        .Select(i => new ServedEntry(i, new AuditEntry(i, DateTimeOffset.UnixEpoch.AddSeconds(i), AuditKinds.TokenIssued, Client: $"c{i}").ToLeaf()))
        .ToList();

    private static (string Checkpoint, string Cosignature, List<byte[]> Hashes) Sign(List<ServedEntry> entries, int size)
    {
        var hashes = entries.Take(size).Select(e => MerkleHash.Leaf(e.Leaf)).ToList();
        var jws = new Checkpoint("crossborder/FR", size, MerkleTree.Root(hashes, size), DateTimeOffset.UnixEpoch).Sign(Log);
        return (jws, Checkpoint.Cosign(jws, Witness), hashes);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(64)]
    [TestCase(100)]
    public void Verify_UntouchedLog_Valid(int size)
    {
        var entries = Entries(size);
        var (checkpoint, cosignature, _) = Sign(entries, size);

        var result = Verifier.Verify(checkpoint, cosignature, entries);

        Assert.That(result.IsValid, Is.True, result.Message);
    }

    [Test]
    public void Verify_EveryTamperedIndex_NamedByBisection([Values(1, 2, 3, 5, 8, 13, 31, 33)] int size)
    {
        var original = Entries(size);
        var (checkpoint, cosignature, hashes) = Sign(original, size);
        IReadOnlyList<byte[]> Proof(long i, long n) => MerkleTree.InclusionProof(hashes, i, n);

        for (var bad = 0; bad < size; bad++)
        {
            var entries = original.ToList();
            entries[bad] = new ServedEntry(bad, new AuditEntry(bad, DateTimeOffset.UnixEpoch, AuditKinds.TokenIssued, Client: "forged").ToLeaf());

            var result = Verifier.Verify(checkpoint, cosignature, entries, inclusionProof: Proof);

            Assert.That(result.IsValid, Is.False);
            Assert.That(result.FirstBadIndex, Is.EqualTo(bad), result.Message);
            Assert.That(result.Message, Does.StartWith($"entry {bad} "));
        }
    }

    [Test]
    public void Verify_TamperedLeafAndStoredLeafHash_StillNamesIndex([Values(2, 9, 32, 45)] int size)
    {
        var original = Entries(size);
        var (checkpoint, cosignature, hashes) = Sign(original, size);
        for (var bad = 0; bad < size; bad++)
        {
            var entries = original.ToList();
            entries[bad] = new ServedEntry(bad, new AuditEntry(bad, DateTimeOffset.UnixEpoch, AuditKinds.TokenIssued, Client: "forged").ToLeaf());
            var forged = MerkleHash.Leaf(entries[bad].Leaf);
            var b = bad;
            // The insider also rewrote the stored leaf hash; the interior hashes stored earlier are left as they were.
            IReadOnlyList<byte[]> Proof(long i, long n) => MerkleTree.InclusionProof(
                (from, to) => to - from == 1 && from == b ? forged : MerkleTree.Root(hashes.Skip((int)from).Take((int)(to - from)).ToList(), to - from), i, n);

            var result = Verifier.Verify(checkpoint, cosignature, entries, inclusionProof: Proof);

            Assert.That(result.IsValid, Is.False);
            Assert.That(result.Message, Does.Contain($"entry {bad} "), "named, or named with its pair sibling");
        }
    }

    [Test]
    public void Verify_EntryMissing_NamesIndex()
    {
        var entries = Entries(10);
        var (checkpoint, cosignature, _) = Sign(entries, 10);
        entries.RemoveAt(4);

        var result = Verifier.Verify(checkpoint, cosignature, entries);

        Assert.That(result.FirstBadIndex, Is.EqualTo(4), result.Message);
    }

    [Test]
    public void Verify_NoCosignature_Invalid()
    {
        var entries = Entries(3);
        var (checkpoint, _, _) = Sign(entries, 3);

        Assert.That(Verifier.Verify(checkpoint, null, entries).IsValid, Is.False);
    }

    [Test]
    public void Verify_CosignedByLogItself_Invalid()
    {
        var entries = Entries(3);
        var (checkpoint, _, _) = Sign(entries, 3);

        Assert.That(Verifier.Verify(checkpoint, Checkpoint.Cosign(checkpoint, Log), entries).IsValid, Is.False);
    }

    [Test]
    public void Verify_LogShrankBelowSavedCheckpoint_Invalid()
    {
        var entries = Entries(10);
        var (saved, _, _) = Sign(entries, 10);
        var (checkpoint, cosignature, _) = Sign(entries, 8);

        var result = Verifier.Verify(checkpoint, cosignature, entries.Take(8).ToList(), saved);

        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Message, Does.Contain("shrank"));
    }

    [Test]
    public void Verify_ExtendsSavedCheckpoint_ValidWithConsistencyProof()
    {
        var entries = Entries(20);
        var (saved, _, _) = Sign(entries, 11);
        var (checkpoint, cosignature, hashes) = Sign(entries, 20);

        var result = Verifier.Verify(checkpoint, cosignature, entries, saved,
            consistencyProof: (m, n) => MerkleTree.ConsistencyProof(hashes, m, n));

        Assert.That(result.IsValid, Is.True, result.Message);
    }

    [Test]
    public void Verify_HistoryRewrittenBelowSavedCheckpoint_Invalid()
    {
        var entries = Entries(20);
        var (saved, _, _) = Sign(entries, 11);
        entries[5] = new ServedEntry(5, new AuditEntry(5, DateTimeOffset.UnixEpoch, AuditKinds.TokenIssued, Client: "rewritten").ToLeaf());
        var (checkpoint, cosignature, _) = Sign(entries, 20); // the insider re-signed a whole new tree

        Assert.That(Verifier.Verify(checkpoint, cosignature, entries, saved).IsValid, Is.False);
    }
}
