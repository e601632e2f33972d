using System.Buffers.Text;
using System.Globalization;

namespace CrossBorder.Node.Http;

/// <summary>
/// The one parser for paging cursors and the one rule for instants in query strings, so every list endpoint
/// bounds and reads them alike.
/// </summary>
public static partial class QueryValues
{
    /// <summary>A referral cursor: base64url (no padding) of a 16-byte id, always 22 characters.</summary>
    public const int IdCursorLength = 22;

    /// <summary>A position cursor: decimal digits of a log or feed position, at most 2^53 - 1 (16 digits).</summary>
    public const int PositionCursorMaxLength = 16;

    public const string IdCursorPattern = "^[A-Za-z0-9_-]{22}$";
    public const string PositionCursorPattern = "^[0-9]{1,16}$";
    /// <summary>2^53 - 1: the largest integer every JSON client reads exactly (positions, sizes).</summary>
    public const long MaxSafeInteger = 9_007_199_254_740_991;

    public const string CursorError = "Not a cursor returned by this API.";

    /// <summary>Adds the <c>limit</c> error of a paged list (1 to <paramref name="max"/>) to <paramref name="errors"/>.</summary>
    public static void CheckLimit(Dictionary<string, string[]> errors, int? limit, int max)
    {
        if (limit is < 1 || limit > max) errors["limit"] = [$"Between 1 and {max}."];
    }

    public static string EncodeId(Guid id) => Base64Url.EncodeToString(id.ToByteArray(bigEndian: true));

    public static bool TryDecodeId(string cursor, out Guid id)
    {
        id = Guid.Empty;
        if (cursor.Length != IdCursorLength || !cursor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            return false;
        Span<byte> bytes = stackalloc byte[18];
        try
        {
            // Base64Url throws, rather than answering false, for non-zero trailing bits: this was a 500.
            if (!Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written != 16)
                return false;
        }
        catch (FormatException)
        {
            return false;
        }
        id = new Guid(bytes[..16], bigEndian: true);
        return EncodeId(id) == cursor; // one spelling per cursor
    }

    public static string EncodePosition(long position) => position.ToString(CultureInfo.InvariantCulture);

    /// <summary>Digits only (no sign, space or exponent), at most <see cref="MaxSafeInteger"/>.</summary>
    public static bool TryDecodePosition(string cursor, out long position)
    {
        position = 0;
        if (cursor.Length is 0 or > PositionCursorMaxLength || !cursor.All(char.IsAsciiDigit))
            return false;
        position = long.Parse(cursor, NumberStyles.None, CultureInfo.InvariantCulture);
        return position <= MaxSafeInteger;
    }

    public const string InstantError = "Must be an RFC 3339 date-time with an offset, e.g. 2026-10-20T09:15:00Z or 2026-10-20T11:15:00+02:00.";

    /// <summary>
    /// The one spelling of an instant in a query string: RFC 3339 §5.6 <c>date-time</c>, offset required. The framework's
    /// own binding of <see cref="DateTimeOffset"/> is lenient (regression, contract fuzzer: <c>1.5</c> bound as 5 January,
    /// a value without an offset as the server's local time), so every instant parameter is checked with this first.
    /// </summary>
    public static bool IsRfc3339(string text) =>
        Rfc3339().IsMatch(text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?([Zz]|[+-][0-9]{2}:[0-9]{2})$")]
    private static partial System.Text.RegularExpressions.Regex Rfc3339();

    /// <summary>
    /// Instants in query strings (RFC 3339 <c>date-time</c>) may carry any offset: they name one instant, which is
    /// compared in UTC. PostgreSQL's <c>timestamptz</c> parameters take UTC only, so every instant is normalised
    /// here rather than refused (a value without an offset never gets here: see <see cref="IsRfc3339"/>).
    /// </summary>
    public static DateTimeOffset? Utc(DateTimeOffset? instant) => instant?.ToUniversalTime();
}
