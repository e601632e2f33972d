namespace CrossBorder.Node.Data;

/// <summary>
/// The outcome of one <c>Idempotency-Key</c> of one client, written in the same transaction as the
/// work it guards. Responses are not stored verbatim (they may carry personal data): a replay answers
/// with the stored status and the current representation of <see cref="ResourceId"/>, or the stored
/// problem document, which never holds personal data.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string ClientId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public Guid? ResourceId { get; set; }
    public string? Problem { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
