using System.Security.Cryptography;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Tests.Audit;

public sealed class CheckpointTests
{
    private static readonly SigningKey Log = SigningKey.Generate("FR-1");
    private static readonly SigningKey Witness = SigningKey.Generate("GB-1");

    [Test]
    public void Verify_Signed_SameCheckpoint()
    {
        var checkpoint = new Checkpoint("crossborder/FR", 42, SHA256.HashData([1]), new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));

        var verified = Checkpoint.Verify(checkpoint.Sign(Log), new KeyRing([Log.PublicJwk()]), out var error);

        Assert.That(verified, Is.Not.Null, error);
        Assert.That(verified!.TreeSize, Is.EqualTo(42));
        Assert.That(verified.RootHash, Is.EqualTo(checkpoint.RootHash));
        Assert.That(verified.Origin, Is.EqualTo("crossborder/FR"));
    }

    [Test]
    public void Verify_WitnessKey_Refused() =>
        Assert.That(Checkpoint.Verify(new Checkpoint("o", 1, new byte[32], DateTimeOffset.UnixEpoch).Sign(Log),
            new KeyRing([Witness.PublicJwk()]), out _), Is.Null);

    [Test]
    public void VerifyCosignature_SamePayload_True()
    {
        var jws = new Checkpoint("crossborder/FR", 5, new byte[32], DateTimeOffset.UnixEpoch).Sign(Log);

        Assert.That(Checkpoint.VerifyCosignature(jws, Checkpoint.Cosign(jws, Witness), new KeyRing([Witness.PublicJwk()]), out var error),
            Is.True, error);
    }

    [Test]
    public void VerifyCosignature_OtherCheckpoint_False()
    {
        var one = new Checkpoint("crossborder/FR", 5, new byte[32], DateTimeOffset.UnixEpoch).Sign(Log);
        var other = new Checkpoint("crossborder/FR", 6, new byte[32], DateTimeOffset.UnixEpoch).Sign(Log);

        Assert.That(Checkpoint.VerifyCosignature(one, Checkpoint.Cosign(other, Witness), new KeyRing([Witness.PublicJwk()]), out _), Is.False);
    }

    [Test]
    public void VerifyCosignature_CheckpointPassedAsCosignature_False()
    {
        var jws = new Checkpoint("crossborder/FR", 5, new byte[32], DateTimeOffset.UnixEpoch).Sign(Witness);

        Assert.That(Checkpoint.VerifyCosignature(jws, jws, new KeyRing([Witness.PublicJwk()]), out _), Is.False, "typ separates the two");
    }
}
