using System.Security.Cryptography;
using CrossBorder.Core.Crypto;

namespace CrossBorder.Core.Tests.Crypto;

/// <summary>An opened data key seals as <see cref="PersonalDataCipher.Encrypt"/> does, bound to its case and column.</summary>
public sealed class DataKeyTests
{
    private static readonly PersonalDataCipher Cipher = new(RandomNumberGenerator.GetBytes(32));

    [Test]
    public void Seal_ThenOpenOrDecrypt_SameColumn_RoundTrips()
    {
        var owner = Guid.CreateVersion7();
        var wrapped = Cipher.NewWrappedDataKey(owner);
        byte[] sealedData;
        using (var key = Cipher.OpenDataKey(wrapped, owner))
        {
            sealedData = key.Seal("attachment/x/0/last", "chunk"u8);
            Assert.That(key.Open("attachment/x/0/last", sealedData), Is.EqualTo("chunk"u8.ToArray()));
        }
        Assert.That(Cipher.Decrypt(wrapped, owner, "attachment/x/0/last", sealedData), Is.EqualTo("chunk"u8.ToArray()));
    }

    [Test]
    public void Open_AnotherColumnOrCase_Throws()
    {
        var owner = Guid.CreateVersion7();
        var wrapped = Cipher.NewWrappedDataKey(owner);
        using var key = Cipher.OpenDataKey(wrapped, owner);
        var sealedData = key.Seal("attachment/x/0/more", "chunk"u8);
        Assert.That(() => key.Open("attachment/x/0/last", sealedData), Throws.InstanceOf<CryptographicException>(), "a cut-off: not the last chunk");
        Assert.That(() => key.Open("attachment/x/1/more", sealedData), Throws.InstanceOf<CryptographicException>(), "moved to another index");
        Assert.That(() => Cipher.OpenDataKey(wrapped, Guid.CreateVersion7()), Throws.InstanceOf<CryptographicException>(), "another case's key");
        Assert.That(() => Cipher.OpenDataKey(new WrappedKey(wrapped.KekId, []), owner), Throws.InstanceOf<CryptographicException>(), "an erased key");
    }

    [Test]
    public void SealOpen_IntoCallersBuffers_SameBytesAsArrayForms_TamperThrows()
    {
        var owner = Guid.CreateVersion7();
        var wrapped = Cipher.NewWrappedDataKey(owner);
        using var key = Cipher.OpenDataKey(wrapped, owner);
        var plaintext = RandomNumberGenerator.GetBytes(1000);
        var sealedData = new byte[plaintext.Length + DataKey.Overhead + 7]; // a pooled buffer is usually longer than asked
        key.Seal("attachment/x/0/last", plaintext, sealedData.AsSpan(0, plaintext.Length + DataKey.Overhead));
        var opened = new byte[plaintext.Length + 3];
        var length = key.Open("attachment/x/0/last", sealedData.AsSpan(0, plaintext.Length + DataKey.Overhead), opened);
        Assert.Multiple(() =>
        {
            Assert.That(length, Is.EqualTo(plaintext.Length));
            Assert.That(opened[..length], Is.EqualTo(plaintext));
            Assert.That(key.Open("attachment/x/0/last", sealedData[..(plaintext.Length + DataKey.Overhead)]), Is.EqualTo(plaintext),
                "the array form opens what the span form sealed");
            Assert.That(() => key.Seal("c", plaintext, new byte[plaintext.Length + DataKey.Overhead + 1]), Throws.ArgumentException,
                "the destination is exactly the sealed length");
        });
        sealedData[20] ^= 1;
        Assert.That(() => key.Open("attachment/x/0/last", sealedData.AsSpan(0, plaintext.Length + DataKey.Overhead), opened),
            Throws.InstanceOf<CryptographicException>());
    }
}
