using System.Security.Cryptography;
using System.Text;

namespace CrossBorder.Core.Crypto;

/// <summary>
/// Envelope encryption of a referral's personal data: AES-256-GCM under a per-referral data key,
/// the data key itself AES-256-GCM-wrapped by the node's key-encryption key. The associated data
/// binds every ciphertext to its row and column, so a ciphertext copied elsewhere does not decrypt.
/// Destroying the wrapped data key erases the referral's personal data (crypto-shredding).
/// </summary>
public sealed class PersonalDataCipher
{
    private const int NonceSize = 12, TagSize = 16, KeySize = 32;
    private readonly byte[] _kek;

    public PersonalDataCipher(byte[] keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != KeySize)
            throw new ArgumentException("The key-encryption key must be 32 bytes.", nameof(keyEncryptionKey));
        _kek = keyEncryptionKey;
    }

    public byte[] NewWrappedDataKey(Guid owner)
    {
        var dataKey = RandomNumberGenerator.GetBytes(KeySize);
        try { return Seal(_kek, dataKey, Aad(owner, "data_key")); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    public byte[] Encrypt(byte[] wrappedDataKey, Guid owner, string column, ReadOnlySpan<byte> plaintext)
    {
        var dataKey = Unwrap(wrappedDataKey, owner);
        try { return Seal(dataKey, plaintext, Aad(owner, column)); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    public byte[] Decrypt(byte[] wrappedDataKey, Guid owner, string column, byte[] sealedData)
    {
        var dataKey = Unwrap(wrappedDataKey, owner);
        try { return Open(dataKey, sealedData, Aad(owner, column)); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    private byte[] Unwrap(byte[] wrappedDataKey, Guid owner) => Open(_kek, wrappedDataKey, Aad(owner, "data_key"));

    private static byte[] Aad(Guid owner, string column) => Encoding.ASCII.GetBytes($"{owner:N}/{column}");

    private static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, byte[] aad)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), aad);
        return output;
    }

    private static byte[] Open(byte[] key, byte[] sealedData, byte[] aad)
    {
        if (sealedData.Length < NonceSize + TagSize)
            throw new CryptographicException("The ciphertext is truncated.");
        var plaintext = new byte[sealedData.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Decrypt(sealedData.AsSpan(0, NonceSize), sealedData.AsSpan(NonceSize, plaintext.Length),
            sealedData.AsSpan(NonceSize + plaintext.Length), plaintext, aad);
        return plaintext;
    }
}
