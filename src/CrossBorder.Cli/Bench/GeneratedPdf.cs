using System.Net;
using System.Security.Cryptography;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// A valid PDF of an exact size (header, one stream of pseudo-random bytes, trailer, <c>%%EOF</c>), written as it is
/// sent, never held whole: the client's memory stays flat too. <see cref="Sha256"/> is known once it was sent.
/// </summary>
public sealed class GeneratedPdf(long size, int seed = 14) : HttpContent
{
    private static readonly byte[] Head = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<< /Length 0 >>\nstream\n"u8.ToArray();
    private static readonly byte[] Tail = "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"u8.ToArray();

    public byte[]? Sha256 { get; private set; }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(seed);
        var buffer = new byte[64 * 1024];
        async Task WriteAsync(ReadOnlyMemory<byte> data)
        {
            sha.AppendData(data.Span);
            await stream.WriteAsync(data, ct);
        }
        await WriteAsync(Head);
        for (var left = size - Head.Length - Tail.Length; left > 0;)
        {
            var n = (int)Math.Min(buffer.Length, left);
            random.NextBytes(buffer.AsSpan(0, n));
            await WriteAsync(buffer.AsMemory(0, n));
            left -= n;
        }
        await WriteAsync(Tail);
        Sha256 = sha.GetHashAndReset();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = size;
        return true;
    }
}
