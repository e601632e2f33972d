namespace CrossBorder.Node.Attachments;

/// <summary>CRC-32 (ISO-HDLC, the PNG chunk checksum, RFC 2083 §15), incrementally.</summary>
public static class Crc32
{
    private static readonly uint[] Table = Build();

    public const uint Initial = 0xFFFFFFFFu;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
            state = Table[(state ^ b) & 0xFF] ^ (state >> 8);
        return state;
    }

    public static uint Finish(uint state) => state ^ 0xFFFFFFFFu;

    public static uint Of(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
