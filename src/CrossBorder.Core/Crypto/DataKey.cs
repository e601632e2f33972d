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

    /// <exception cref="CryptographicException">The ciphertext was changed, or belongs to another column or case.</exception>
    public byte[] Open(string column, byte[] sealedData) => PersonalDataCipher.Open(_key, sealedData, PersonalDataCipher.Aad(_owner, column));

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
