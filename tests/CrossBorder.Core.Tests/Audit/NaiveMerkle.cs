using System.Security.Cryptography;

namespace CrossBorder.Core.Tests.Audit;

/// <summary>
/// RFC 9162 §2.1 transcribed literally (recursion on copied arrays, its own hashing), as an
/// independent reference for trees larger than the published vectors. Slow on purpose.
/// </summary>
internal static class NaiveMerkle
{
    public static byte[] Mth(byte[][] d)
    {
        if (d.Length == 0)
            return SHA256.HashData(ReadOnlySpan<byte>.Empty);
        if (d.Length == 1)
            return d[0];
        var k = K(d.Length);
        return Node(Mth(d[..k]), Mth(d[k..]));
    }

    public static byte[][] Path(int m, byte[][] d)
    {
        if (d.Length == 1)
            return [];
        var k = K(d.Length);
        return m < k
            ? [.. Path(m, d[..k]), Mth(d[k..])]
            : [.. Path(m - k, d[k..]), Mth(d[..k])];
    }

    public static byte[][] Proof(int m, byte[][] d) => SubProof(m, d, true);

    private static byte[][] SubProof(int m, byte[][] d, bool b)
    {
        if (m == d.Length)
            return b ? [] : [Mth(d)];
        var k = K(d.Length);
        return m <= k
            ? [.. SubProof(m, d[..k], b), Mth(d[k..])]
            : [.. SubProof(m - k, d[k..], false), Mth(d[..k])];
    }

    // The largest power of two smaller than n.
    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n)
            k *= 2;
        return k;
    }

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);
}
