using System.Buffers.Text;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CrossBorder.Core.Audit;

/// <summary>
/// One audit log entry: metadata and digests only, never personal data. <see cref="ToLeaf"/> gives the
/// exact bytes the log commits to (RFC 9162 leaf hash = SHA-256(0x00 || leaf)); they are stored and
/// served verbatim, so an auditor recomputes the hash from the served bytes, never from a re-serialization.
/// </summary>
/// <remarks>
/// Leaf format (version 1): one UTF-8 JSON object, no insignificant whitespace, members in this order,
/// absent (null) members omitted: <c>v</c> (1), <c>index</c>, <c>time</c> (RFC 3339 UTC, milliseconds),
/// <c>kind</c>, <c>client</c>, <c>referralId</c>, <c>messageId</c>, <c>messageType</c>, <c>peer</c>,
/// <c>digest</c>, <c>receiptDigest</c>, <c>code</c>, <c>purpose</c>, <c>detail</c>.
/// The index inside the leaf binds each entry to its position, so a reordered or dropped entry is named.
/// </remarks>
public sealed record AuditEntry(
    long Index,
    DateTimeOffset Time,
    string Kind,
    string? Client = null,
    Guid? ReferralId = null,
    Guid? MessageId = null,
    string? MessageType = null,
    string? Peer = null,
    string? Digest = null,
    string? ReceiptDigest = null,
    string? Code = null,
    string? Purpose = null,
    string? Detail = null)
{
    public const int Version = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.Default, Indented = false };

    /// <summary>The canonical leaf bytes of this entry (see the remarks for the format).</summary>
    public byte[] ToLeaf()
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            w.WriteNumber("index", Index);
            w.WriteString("time", FormatTime(Time));
            w.WriteString("kind", Kind);
            Optional(w, "client", Client);
            Optional(w, "referralId", ReferralId?.ToString("D"));
            Optional(w, "messageId", MessageId?.ToString("D"));
            Optional(w, "messageType", MessageType);
            Optional(w, "peer", Peer);
            Optional(w, "digest", Digest);
            Optional(w, "receiptDigest", ReceiptDigest);
            Optional(w, "code", Code);
            Optional(w, "purpose", Purpose);
            Optional(w, "detail", Detail);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The RFC 9162 leaf hash of <see cref="ToLeaf"/>.</summary>
    public byte[] LeafHash() => MerkleHash.Leaf(ToLeaf());

    /// <summary>Reads leaf bytes back; throws <see cref="FormatException"/> when they are not a version-1 entry.</summary>
    public static AuditEntry FromLeaf(ReadOnlySpan<byte> leaf)
    {
        try
        {
            var reader = new Utf8JsonReader(leaf);
            using var doc = JsonDocument.ParseValue(ref reader);
            var e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("v", out var v) || v.GetInt32() != Version)
                throw new FormatException("Not a version 1 audit entry.");
            return new AuditEntry(
                e.GetProperty("index").GetInt64(),
                DateTimeOffset.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                e.GetProperty("kind").GetString()!,
                Str(e, "client"),
                Str(e, "referralId") is { } r ? Guid.Parse(r) : null,
                Str(e, "messageId") is { } m ? Guid.Parse(m) : null,
                Str(e, "messageType"),
                Str(e, "peer"),
                Str(e, "digest"),
                Str(e, "receiptDigest"),
                Str(e, "code"),
                Str(e, "purpose"),
                Str(e, "detail"));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // The leaf's own content is not repeated: only which rule it breaks (no runtime exception text).
            var reason = ex switch
            {
                JsonException => "it is not well-formed JSON",
                KeyNotFoundException => "a required member (v, index, time, kind) is missing",
                _ => "a member has the wrong type or format",
            };
            throw new FormatException($"The leaf is not a valid audit entry: {reason}.", ex);
        }
    }

    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
