using System.Security.Cryptography;

namespace CrossBorder.Core.Crypto;

/// <summary>
/// One case's data key, unwrapped (<see cref="PersonalDataCipher.OpenDataKey"/>): seals and opens many ciphertexts of that
/// case, each bound by its associated data to the case and a column name, exactly as <see cref="PersonalDataCipher.Encrypt"/>
/// does. Disposing it wipes the key.
/// </summary>
public sealed class DataKey : IDisposable
{
    private readonly byte[] _key;
    private readonly Guid _owner;

    internal DataKey(byte[] key, Guid owner) => (_key, _owner) = (key, owner);

    /// <summary>Nonce and tag that <see cref="Seal"/> adds to the plaintext.</summary>
    public const int Overhead = 12 + 16;

    public byte[] Seal(string column, ReadOnlySpan<byte> plaintext) =>
        PersonalDataCipher.Seal(_key, plaintext, PersonalDataCipher.Aad(_owner, column));

    /// <summary>
    /// Seals into <paramref name="destination"/>, which must be exactly <c>plaintext.Length + </c><see cref="Overhead"/>
    /// bytes: no array per call, so a caller can seal large chunks into a pooled buffer.
    /// </summary>
    public void Seal(string column, ReadOnlySpan<byte> plaintext, Span<byte> destination) =>
        PersonalDataCipher.Seal(_key, plaintext, PersonalDataCipher.Aad(_owner, column), destination);

    /// <exception cref="CryptographicException">The ciphertext was changed, or belongs to another column or case.</exception>
    public byte[] Open(string column, byte[] sealedData) => PersonalDataCipher.Open(_key, sealedData, PersonalDataCipher.Aad(_owner, column));

    /// <summary>
    /// Opens into the start of <paramref name="destination"/> (at least <c>sealedData.Length - </c><see cref="Overhead"/>
    /// bytes) and returns the plaintext's length.
    /// </summary>
    /// <exception cref="CryptographicException">The ciphertext was changed, or belongs to another column or case.</exception>
    public int Open(string column, ReadOnlySpan<byte> sealedData, Span<byte> destination) =>
        PersonalDataCipher.Open(_key, sealedData, PersonalDataCipher.Aad(_owner, column), destination);

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
