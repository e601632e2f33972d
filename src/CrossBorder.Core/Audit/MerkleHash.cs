using System.Security.Cryptography;

namespace CrossBorder.Core.Audit;

/// <summary>
/// The RFC 9162 §2.1.1 hash functions with SHA-256. The 0x00 / 0x01 prefixes keep leaf and
/// interior hashes in separate domains, so no leaf can be passed off as an interior node.
/// </summary>
public static class MerkleHash
{
    /// <summary>The size in bytes of every hash in the tree.</summary>
    public const int Size = 32;

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>MTH({}) = SHA-256 of the empty string. A new array on every call.</summary>
    public static byte[] EmptyRoot => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>MTH({d}) = SHA-256(0x00 || d).</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> entry)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([LeafPrefix]);
        sha.AppendData(entry);
        return sha.GetHashAndReset();
    }

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length == Size && right.Length == Size)
        {
            Span<byte> input = stackalloc byte[1 + 2 * Size];
            input[0] = NodePrefix;
            left.CopyTo(input[1..]);
            right.CopyTo(input[(1 + Size)..]);
            return SHA256.HashData(input);
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([NodePrefix]);
        sha.AppendData(left);
        sha.AppendData(right);
        return sha.GetHashAndReset();
    }
}
