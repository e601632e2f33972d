namespace CrossBorder.Node.Http;

/// <summary>Security events the HTTP rules raise, recorded by the audit log (<c>Audit/AuditLog</c>) on its own connection.</summary>
public interface ISecurityEvents
{
    /// <summary>An Idempotency-Key reused with another request (the request's own transaction is rolled back).</summary>
    Task IdempotencyMisuseAsync(HttpContext http, CancellationToken ct);
}
