using System.Text;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CrossBorder.Node.Exchange;

public static class ExchangeEndpoints
{
    public const int MaxMessageBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapExchangeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/exchange/v1").WithTags("Exchange").WithGroupName(ApiDocuments.Exchange);

        group.MapGet("/keys", (NodeKeys keys) => Results.Text(keys.Published.ToJson(), "application/jwk-set+json"))
            .WithName("GetKeys")
            .WithSummary("The node's public signing keys (JWKS)")
            .WithDescription("Current and retired ES256 public keys. Verify messages, receipts and checkpoints with them. Peers pin these keys in configuration; this endpoint is for auditors and integrators.")
            .Produces<JsonWebKeySet>(200, "application/jwk-set+json")
            .WithMetadata(NoDatabase.Instance)
            .AllowAnonymous();

        group.MapPost("/messages", DeliverAsync)
            .WithName("DeliverMessage")
            .WithSummary("Deliver one signed message, get a signed receipt")
            .WithDescription("Body: one JWS compact serialization (`typ: crossborder-message+jws`). Answers 201 with a `crossborder-receipt+jws` when the message is stored and applied, 200 with a fresh signed receipt whose `outcome` is `duplicate` (its `receivedAt` is the first receipt's, the legal time) when the same message was already received, or a problem document; nothing is applied on any error.")
            .Accepts<string>(PeerClient.JoseMediaType)
            .Produces<string>(201, PeerClient.JoseMediaType)
            .Produces<string>(200, PeerClient.JoseMediaType)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(Scopes.Exchange);
        return app;
    }

    private static async Task<IResult> DeliverAsync(HttpContext http, InboundMessages inbound, AuditLog audit, NodeMetrics metrics,
        CancellationToken ct)
    {
        var clientId = http.User.ClientId();
        var peer = PeerIdentity.CountryOf(clientId);
        // Every refusal is a security event: the entry names the client, the code and (once read) the message's digest.
        async Task<IResult> Refuse(ProblemKind problem, string? detail, string? jws)
        {
            await audit.MessageRejectedAsync(clientId, peer, problem.Code, jws, ct);
            return problem.Result(http, detail);
        }

        if (peer is null)
            return await Refuse(Problems.WrongSender, null, null);
        var read = await RequestBody.ReadAsync(http.Request, PeerClient.JoseMediaType, MaxMessageBytes, "a message (a JWS)", ct);
        if (read.Body is not { } body)
            return await Refuse(read.Refusal!, read.Detail, null);

        var jws = Encoding.ASCII.GetString(body).Trim();
        var result = await inbound.AcceptAsync(peer, jws, ct);
        if (result.Problem == Problems.OwnStepInFlight)
        {
            http.Response.Headers.RetryAfter = "1"; // not refused, not a security event: ordering (docs/agreement.md)
            return result.Problem.Result(http, result.Detail);
        }
        if (result.Problem is { } problem)
            return await Refuse(problem, result.Detail, jws);
        metrics.ReceiptSent();
        return Results.Text(result.ReceiptJws!, PeerClient.JoseMediaType, Encoding.ASCII, result.IsDuplicate ? 200 : 201);
    }
}
