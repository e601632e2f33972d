using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Node.Attachments;

namespace CrossBorder.Node.Tests.Attachments;

/// <summary>Small valid (and deliberately broken) documents, and the HTTP calls of the attachments API.</summary>
internal static class Documents
{
    public static byte[] Pdf(int size)
    {
        var head = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<< /Length 0 >>\nstream\n"u8.ToArray();
        var tail = "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"u8.ToArray();
        var body = RandomNumberGenerator.GetBytes(Math.Max(0, size - head.Length - tail.Length));
        return [.. head, .. body, .. tail];
    }

    public static byte[] Jpeg(int size) => [0xFF, 0xD8, 0xFF, 0xE0, .. RandomNumberGenerator.GetBytes(Math.Max(0, size - 6)), 0xFF, 0xD9];

    public static byte[] Png(int size, bool breakCrc = false)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, 16);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), 16);
        ihdr[8] = 8; ihdr[9] = 2;
        Chunk(ms, "IHDR", ihdr, false);
        Chunk(ms, "IDAT", RandomNumberGenerator.GetBytes(Math.Max(1, size - 57)), breakCrc);
        Chunk(ms, "IEND", [], false);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data, bool breakCrc)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        s.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Of(typed) ^ (breakCrc ? 1u : 0u));
        s.Write(word);
    }

    public static string Sha256(byte[] content) => System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(content));

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string referralId, byte[] content, string mediaType,
        string? key = null, string? query = null, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/referrals/{referralId}/attachments{query}");
        HttpContent body = chunked ? new StreamContent(new NoLengthStream(content)) : new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        request.Content = body;
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return await client.SendAsync(request);
    }

    /// <summary>A stream that does not tell its length, so the body goes chunked, without Content-Length.</summary>
    private sealed class NoLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
