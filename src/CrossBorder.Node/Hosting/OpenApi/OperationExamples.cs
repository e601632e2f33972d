using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Node.Hosting.Examples;

namespace CrossBorder.Node.Hosting.OpenApi;

/// <summary>
/// Request and response examples by operation id. Request examples work as written against a fresh
/// <c>crossborder up</c> (SpecExamplesTests sends them to two nodes); ids of created resources come from
/// the create response, as the response links in the documents say.
/// </summary>
public static class OperationExamples
{
    public const string ReferralId = "0199f3a0-6b1c-7d2e-8f3a-4b5c6d7e8f90";
    public const string MessageId = "0199f3a0-6b1d-7a1b-9c2d-3e4f5a6b7c8d";
    public const string ClientSecretPlaceholder = "<clientSecret of nodes.FR.clients.ministry in .local/dev-clients.json>";
    private const string Jws = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkZSLTIwMjYtMDEiLCJ0eXAiOiJjcm9zc2JvcmRlci1tZXNzYWdlK2p3cyJ9.eyJpZCI6IjAxOTlmM2EwLTZiMWQtN2ExYi05YzJkLTNlNGY1YTZiN2M4ZCJ9.MEUCIQDxample0signature0only0for0illustration0AAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private const string Receipt = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkdCLTIwMjYtMDEiLCJ0eXAiOiJjcm9zc2JvcmRlci1yZWNlaXB0K2p3cyJ9.eyJtZXNzYWdlSWQiOiIwMTk5ZjNhMC02YjFkLTdhMWItOWMyZC0zZTRmNWE2YjdjOGQifQ.MEUCIQDxample0receipt0signature0for0illustration0AAAAAAAAAAAAAAAAAAAAAAAAAA";

    /// <summary>Examples of path, query and header parameters, by parameter name.</summary>
    public static readonly IReadOnlyDictionary<string, JsonNode> Parameters = new Dictionary<string, JsonNode>
    {
        ["id"] = ReferralId,
        ["limit"] = 50,
        ["direction"] = "outgoing",
    };

    public static JsonNode? Request(string operationId) => operationId switch
    {
        "Token" => new JsonObject
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "fr-ministry",
            ["client_secret"] = ClientSecretPlaceholder,
            ["scope"] = "referrals.read referrals.write",
        },
        "CreateReferral" => JsonNode.Parse(ExampleDocuments.Referral),
        "DeliverMessage" => Jws,
        _ => null,
    };

    /// <summary>The success response example of an operation, by status.</summary>
    public static JsonNode? Response(string operationId) => operationId switch
    {
        "Token" => new JsonObject
        {
            ["access_token"] = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZyLXRva2VuIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJmci1taW5pc3RyeSJ9.c2lnbmF0dXJl",
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["scope"] = "referrals.read referrals.write",
        },
        "CreateReferral" or "GetReferral" => ReferralView(),
        "ListReferrals" => new JsonObject { ["items"] = new JsonArray(Summary()), ["nextCursor"] = null },
        "ListReferralMessages" => new JsonArray(new JsonObject
        {
            ["id"] = MessageId,
            ["direction"] = "outgoing",
            ["seq"] = 1,
            ["type"] = MessageTypes.Submitted,
            ["from"] = "FR",
            ["to"] = "GB",
            ["sentAt"] = "2026-10-20T09:15:00.123+00:00",
            ["state"] = "delivered",
            ["digest"] = "q1MKE-RZFJgrefm34_uhxhBnPlWWmnFW0K9a7qgPyAY",
            ["jws"] = Jws,
            ["receipt"] = Receipt,
            ["receivedAt"] = "2026-10-20T09:15:00.456+00:00",
        }),
        "GetKeys" => new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                ["y"] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                ["kid"] = "FR-2026-01",
                ["alg"] = "ES256",
                ["use"] = "sig",
            }),
        },
        "DeliverMessage" => Receipt,
        _ => null,
    };

    private static JsonObject ReferralView() => new()
    {
        ["id"] = ReferralId,
        ["reference"] = "FR-5-2026-000001",
        ["counterpartReference"] = null,
        ["direction"] = "outgoing",
        ["status"] = Core.Lifecycle.ReferralStatus.Submitted,
        ["legalBasis"] = "DUBLIN_III_ART8",
        ["requestingState"] = "FR",
        ["requestedState"] = "GB",
        ["urgent"] = false,
        ["applicationLodgedOn"] = "2026-10-02",
        ["createdAt"] = "2026-10-20T09:15:00.123+00:00",
        ["updatedAt"] = "2026-10-20T09:15:00.123+00:00",
        ["receivedAt"] = null,
        ["deadlines"] = Deadlines(null),
        ["delivery"] = Delivery(),
        ["hasConflict"] = false,
        ["allowedSteps"] = new JsonArray("withdrawal"),
        ["history"] = new JsonArray(),
        ["eTag"] = "\"v1\"",
        ["referral"] = JsonNode.Parse(ExampleDocuments.Referral),
    };

    private static JsonObject Summary() => new()
    {
        ["id"] = ReferralId,
        ["reference"] = "FR-5-2026-000001",
        ["counterpartReference"] = null,
        ["direction"] = "outgoing",
        ["status"] = Core.Lifecycle.ReferralStatus.Submitted,
        ["legalBasis"] = "DUBLIN_III_ART8",
        ["requestingState"] = "FR",
        ["requestedState"] = "GB",
        ["urgent"] = false,
        ["createdAt"] = "2026-10-20T09:15:00.123+00:00",
        ["updatedAt"] = "2026-10-20T09:15:00.456+00:00",
        ["deadlines"] = Deadlines("2026-12-20T09:15:00.456+00:00"),
        ["delivery"] = Delivery(delivered: true),
        ["hasConflict"] = false,
    };

    private static JsonObject Deadlines(string? replyDueAt) => new()
    {
        ["replyDueAt"] = replyDueAt,
        ["informationDueAt"] = null,
        ["reexaminationRequestDueAt"] = null,
        ["reexaminationReplyDueAt"] = null,
        ["transferDueAt"] = null,
        ["nextDueAt"] = replyDueAt,
        ["overdue"] = false,
    };

    private static JsonObject Delivery(bool delivered = false) => new()
    {
        ["messageId"] = MessageId,
        ["messageType"] = MessageTypes.Submitted,
        ["state"] = delivered ? "delivered" : "queued",
        ["attempts"] = delivered ? 1 : 0,
        ["lastAttemptAt"] = delivered ? "2026-10-20T09:15:00.200+00:00" : null,
        ["nextAttemptAt"] = delivered ? null : "2026-10-20T09:15:00.123+00:00",
        ["lastError"] = null,
        ["receiptReceivedAt"] = delivered ? "2026-10-20T09:15:00.456+00:00" : null,
    };
}
