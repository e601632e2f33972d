namespace CrossBorder.Cli.Keys;

/// <summary>Base64url without padding (RFC 7515 §2), as JWK coordinates and secrets use it.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
