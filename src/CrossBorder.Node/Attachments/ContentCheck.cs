using System.Buffers.Binary;
using System.Text;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// Checks a document by its content as it streams past, never holding it: PDF (<c>%PDF-1.</c> or <c>%PDF-2.</c>, and
/// <c>%%EOF</c> in the last 1 KiB, ISO 32000-2 §7.5.5), JPEG (SOI <c>FF D8 FF</c> first, EOI <c>FF D9</c> last) and PNG
/// (the signature, IHDR first, every chunk's length and CRC, IEND last and nothing after it; RFC 2083). Holds the first
/// and last bytes and, for PNG, where it is in the current chunk.
/// </summary>
public sealed class ContentCheck(string declaredMediaType)
{
    public const string Pdf = "application/pdf";
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public static readonly IReadOnlyList<string> MediaTypes = [Pdf, Jpeg, Png];

    private const int TailBytes = 1024;
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly byte[] _head = new byte[8];
    private readonly byte[] _tail = new byte[TailBytes];
    private long _length;
    private readonly PngWalk _png = new();

    /// <summary>The media type the first bytes say, or null.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("%PDF-1."u8) || head.StartsWith("%PDF-2."u8)) return Pdf;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return Jpeg;
        if (head.StartsWith(PngSignature)) return Png;
        return null;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_length < _head.Length)
            data[..(int)Math.Min(data.Length, _head.Length - _length)].CopyTo(_head.AsSpan((int)_length));
        if (data.Length >= TailBytes)
            data[^TailBytes..].CopyTo(_tail);
        else
        {
            _tail.AsSpan(data.Length).CopyTo(_tail); // shift left, keep the last bytes
            data.CopyTo(_tail.AsSpan(TailBytes - data.Length));
        }
        if (declaredMediaType == Png && _png.Error is null)
            _png.Append(data, _length);
        _length += data.Length;
    }

    /// <summary>Null when the whole content is a valid document of the declared type; otherwise what is wrong (no content quoted).</summary>
    public string? Finish()
    {
        var head = _head.AsSpan(0, (int)Math.Min(_length, _head.Length));
        var sniffed = Sniff(head);
        if (sniffed is null)
            return "The content is not a PDF, JPEG or PNG document.";
        if (sniffed != declaredMediaType)
            return $"The content is {sniffed}, not {declaredMediaType} as declared.";
        var tail = _tail.AsSpan(TailBytes - (int)Math.Min(_length, TailBytes));
        return declaredMediaType switch
        {
            Pdf when tail.IndexOf("%%EOF"u8) < 0 => "The PDF has no %%EOF marker in its last 1024 bytes: it is truncated or not a PDF.",
            Jpeg when _length < 4 || !tail.EndsWith((ReadOnlySpan<byte>)[0xFF, 0xD9]) => "The JPEG does not end with its end-of-image marker (FF D9): it is truncated or not a JPEG.",
            Png => _png.Finish(),
            _ => null,
        };
    }

    /// <summary>Walks PNG chunks across arbitrary splits of the stream.</summary>
    private sealed class PngWalk
    {
        private readonly byte[] _header = new byte[8]; // length and type of the current chunk
        private readonly byte[] _crc = new byte[4];
        private int _headerFill, _crcFill, _chunks;
        private long _dataLeft = -1; // -1: reading a header
        private uint _state;
        private bool _ended;

        public string? Error { get; private set; }

        public void Append(ReadOnlySpan<byte> data, long position)
        {
            var i = 0;
            if (position < 8)
            {
                var skip = (int)Math.Min(8 - position, data.Length);
                i = skip; // the signature is checked by Sniff
            }
            while (i < data.Length && Error is null)
            {
                if (_ended) { Error = "The PNG has bytes after its IEND chunk."; return; }
                if (_dataLeft < 0)
                {
                    _header[_headerFill++] = data[i++];
                    if (_headerFill < 8) continue;
                    var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
                    if (length > int.MaxValue) { Error = "A PNG chunk length is out of range."; return; }
                    var type = Encoding.ASCII.GetString(_header, 4, 4);
                    if (_chunks == 0 && (type != "IHDR" || length != 13)) { Error = "The PNG does not start with its IHDR chunk."; return; }
                    if (!_header.Skip(4).All(b => char.IsAsciiLetter((char)b))) { Error = "A PNG chunk type is not valid."; return; }
                    _state = Crc32.Append(Crc32.Initial, _header.AsSpan(4, 4));
                    _dataLeft = length;
                    _headerFill = 0;
                    continue;
                }
                if (_dataLeft > 0)
                {
                    var take = (int)Math.Min(_dataLeft, data.Length - i);
                    _state = Crc32.Append(_state, data.Slice(i, take));
                    _dataLeft -= take;
                    i += take;
                    continue;
                }
                _crc[_crcFill++] = data[i++];
                if (_crcFill < 4) continue;
                if (BinaryPrimitives.ReadUInt32BigEndian(_crc) != Crc32.Finish(_state)) { Error = "A PNG chunk's CRC does not match."; return; }
                _crcFill = 0;
                _chunks++;
                _ended = _header.AsSpan(4, 4).SequenceEqual("IEND"u8);
                _dataLeft = -1;
            }
        }

        public string? Finish() => Error ?? (_ended ? null : "The PNG does not end with its IEND chunk: it is truncated.");
    }
}
