using Microsoft.OpenApi;

namespace CrossBorder.Node.Contract;

/// <summary>The names the conventions share, and the two documents' info blocks.</summary>
public static class ContractInfo
{
    public const string SecurityScheme = "oauth2";
    public const string ProblemSchema = "Problem";
    public const string ValidationProblemSchema = "ValidationProblem";
    public const string JwsSchema = "Jws";
    public const string ProblemMediaType = "application/problem+json";
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string IfMatchHeader = "If-Match";
    public const string TokenPath = "/connect/token";

    public static OpenApiInfo Ministry => new()
    {
        Title = "CrossBorder ministry and audit API",
        Version = "1.0.0",
        Description = """
            Create and follow cross-border referrals of unaccompanied minors; audit the exchange.

            Authenticate with OAuth2 client credentials at `POST /connect/token` (see the `Token` operation) and send
            the access token as `Authorization: Bearer`. Every error is an RFC 9457 problem document
            (`application/problem+json`) with a stable `code` and a `traceId`; react to `code`, not to the text.
            """ + "\n\n" + OperationExamples.DatesNote,
        Contact = new OpenApiContact { Name = "CrossBorder maintainers", Url = new Uri("https://crossborder.example/contact") },
        License = new OpenApiLicense { Name = "Apache-2.0", Url = new Uri("https://www.apache.org/licenses/LICENSE-2.0") },
    };

    public static OpenApiInfo Exchange => new()
    {
        Title = "CrossBorder node exchange API",
        Version = "1.0.0",
        Description = """
            What one node calls on its peer: signed messages in, signed receipts out. For anyone implementing a
            compatible node. Peers authenticate at the node's `POST /connect/token` with client credentials and a
            `private_key_jwt` client assertion signed with their node key, asking for the `exchange` scope.
            """,
        Contact = new OpenApiContact { Name = "CrossBorder maintainers", Url = new Uri("https://crossborder.example/contact") },
        License = new OpenApiLicense { Name = "Apache-2.0", Url = new Uri("https://www.apache.org/licenses/LICENSE-2.0") },
    };
}
