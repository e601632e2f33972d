namespace CrossBorder.Node.Data;

/// <summary>
/// A client assertion (<c>private_key_jwt</c>) already exchanged for a token. Its <c>jti</c> is
/// single-use (RFC 7523 §3 item 7); the row is kept until the assertion would have expired anyway.
/// </summary>
public sealed class UsedClientAssertion
{
    public required string ClientId { get; set; }
    public required string Jti { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}
