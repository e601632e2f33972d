using System.Security.Cryptography;
using System.Text;

namespace CrossBorder.Core.Crypto;

/// <summary>
/// Envelope encryption of a referral's personal data: AES-256-GCM under a per-referral data key,
/// the data key itself AES-256-GCM-wrapped by the node's key-encryption key. The associated data
/// binds every ciphertext to its row and column, so a ciphertext copied elsewhere does not decrypt.
/// Destroying the wrapped data key erases the referral's personal data (crypto-shredding).
/// Every wrapped data key names its key-encryption key (<see cref="WrappedKey.KekId"/>): new data keys are wrapped by
/// the current one, <see cref="Rewrap"/> moves an old one to it, and a key is removed once nothing names it.
/// </summary>
public sealed class PersonalDataCipher
{
    private const int NonceSize = 12, TagSize = 16, KeySize = 32;
    private readonly IReadOnlyDictionary<string, byte[]> _keks;

    /// <param name="keyEncryptionKeys">Every key-encryption key this node still holds, by id.</param>
    /// <param name="currentKekId">The one that wraps new data keys.</param>
    public PersonalDataCipher(IReadOnlyDictionary<string, byte[]> keyEncryptionKeys, string currentKekId)
    {
        foreach (var (id, key) in keyEncryptionKeys)
            if (key.Length != KeySize)
                throw new ArgumentException($"The key-encryption key '{id}' must be 32 bytes.", nameof(keyEncryptionKeys));
        if (!keyEncryptionKeys.ContainsKey(currentKekId))
            throw new ArgumentException($"No key-encryption key '{currentKekId}'.", nameof(currentKekId));
        _keks = keyEncryptionKeys;
        CurrentKekId = currentKekId;
    }

    public PersonalDataCipher(byte[] keyEncryptionKey) : this(new Dictionary<string, byte[]> { [DefaultKekId] = keyEncryptionKey }, DefaultKekId)
    {
    }

    /// <summary>The id of a node's first key-encryption key (<c>Node:KeyEncryptionKey</c>).</summary>
    public const string DefaultKekId = "k0";

    public string CurrentKekId { get; }

    public bool Holds(string kekId) => _keks.ContainsKey(kekId);

    /// <summary>The ids of every key-encryption key this node holds.</summary>
    public IReadOnlyList<string> KekIds => [.. _keks.Keys];

    public WrappedKey NewWrappedDataKey(Guid owner)
    {
        var dataKey = RandomNumberGenerator.GetBytes(KeySize);
        try { return new WrappedKey(CurrentKekId, Seal(_keks[CurrentKekId], dataKey, Aad(owner, "data_key"))); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    /// <summary>The same data key wrapped by the current key-encryption key (the data it protects is untouched).</summary>
    public WrappedKey Rewrap(WrappedKey wrapped, Guid owner)
    {
        var dataKey = Unwrap(wrapped, owner);
        try { return new WrappedKey(CurrentKekId, Seal(_keks[CurrentKekId], dataKey, Aad(owner, "data_key"))); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    public byte[] Encrypt(WrappedKey wrappedDataKey, Guid owner, string column, ReadOnlySpan<byte> plaintext)
    {
        var dataKey = Unwrap(wrappedDataKey, owner);
        try { return Seal(dataKey, plaintext, Aad(owner, column)); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    public byte[] Decrypt(WrappedKey wrappedDataKey, Guid owner, string column, byte[] sealedData)
    {
        var dataKey = Unwrap(wrappedDataKey, owner);
        try { return Open(dataKey, sealedData, Aad(owner, column)); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    /// <summary>
    /// The data key of <paramref name="owner"/>, unwrapped once for many ciphertexts (an attachment's chunks): the same
    /// AES-256-GCM and associated data as <see cref="Encrypt"/>. Dispose it to wipe the key.
    /// </summary>
    public DataKey OpenDataKey(WrappedKey wrappedDataKey, Guid owner) => new(Unwrap(wrappedDataKey, owner), owner);

    private byte[] Unwrap(WrappedKey wrapped, Guid owner)
    {
        if (wrapped.Key.Length == 0)
            throw new CryptographicException("The data key was destroyed (the case was erased).");
        if (!_keks.TryGetValue(wrapped.KekId, out var kek))
            throw new CryptographicException($"The key-encryption key '{wrapped.KekId}' is not configured on this node.");
        return Open(kek, wrapped.Key, Aad(owner, "data_key"));
    }

    internal static byte[] Aad(Guid owner, string column) => Encoding.ASCII.GetBytes($"{owner:N}/{column}");

    internal static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, byte[] aad)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        Seal(key, plaintext, aad, output);
        return output;
    }

    /// <summary>Nonce, ciphertext and tag into <paramref name="output"/>, exactly <c>plaintext.Length + 28</c> bytes long.</summary>
    internal static void Seal(byte[] key, ReadOnlySpan<byte> plaintext, byte[] aad, Span<byte> output)
    {
        if (output.Length != NonceSize + plaintext.Length + TagSize)
            throw new ArgumentException("The output is not the plaintext's length plus nonce and tag.", nameof(output));
        var nonce = output[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, output.Slice(NonceSize, plaintext.Length), output[(NonceSize + plaintext.Length)..], aad);
    }

    internal static byte[] Open(byte[] key, byte[] sealedData, byte[] aad)
    {
        if (sealedData.Length < NonceSize + TagSize)
            throw new CryptographicException("The ciphertext is truncated.");
        var plaintext = new byte[sealedData.Length - NonceSize - TagSize];
        Open(key, sealedData, aad, plaintext);
        return plaintext;
    }

    /// <summary>The plaintext into the start of <paramref name="plaintext"/>; returns its length.</summary>
    internal static int Open(byte[] key, ReadOnlySpan<byte> sealedData, byte[] aad, Span<byte> plaintext)
    {
        if (sealedData.Length < NonceSize + TagSize)
            throw new CryptographicException("The ciphertext is truncated.");
        var length = sealedData.Length - NonceSize - TagSize;
        if (plaintext.Length < length)
            throw new ArgumentException("The output is shorter than the plaintext.", nameof(plaintext));
        using var gcm = new AesGcm(key, TagSize);
        gcm.Decrypt(sealedData[..NonceSize], sealedData.Slice(NonceSize, length), sealedData[(NonceSize + length)..],
            plaintext[..length], aad);
        return length;
    }
}

/// <summary>A data key as stored: wrapped, and the id of the key-encryption key that wrapped it.</summary>
public readonly record struct WrappedKey(string KekId, byte[] Key);
