using System.Text;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Auth;
using CrossBorder.Node.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CrossBorder.Node.Features.Exchange;

public static class ExchangeEndpoints
{
    public const int MaxMessageBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapExchangeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/exchange/v1").WithTags("Exchange").WithGroupName(OpenApiSetup.ExchangeDocument);

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
            .RequireAuthorization(AuthSetup.ExchangePolicy);
        return app;
    }

    private static async Task<IResult> DeliverAsync(HttpContext http, InboundMessages inbound, Audit.AuditLog audit,
        Telemetry.NodeMetrics metrics, CancellationToken ct)
    {
        var clientId = http.User.ClientId();
        if (PeerIdentity.CountryOf(clientId) is not { } peer)
            return await audit.MessageRejectedAsync(http, clientId, Problems.WrongSender, null, null, ct);
        if (!RequestBody.HasMediaType(http.Request, PeerClient.JoseMediaType))
            return await audit.MessageRejectedAsync(http, clientId, Problems.UnsupportedMediaType, "Send the JWS as application/jose.", null, ct);
        var body = await RequestBody.ReadAsync(http.Request, MaxMessageBytes, ct);
        if (body is null)
            return await audit.MessageRejectedAsync(http, clientId, Problems.PayloadTooLarge, $"A message is at most {MaxMessageBytes} bytes.", null, ct);

        var jws = Encoding.ASCII.GetString(body).Trim();
        var result = await inbound.AcceptAsync(peer, jws, ct);
        if (result.Problem == Problems.OwnStepInFlight)
        {
            http.Response.Headers.RetryAfter = "1"; // not refused, not a security event: ordering (docs/agreement.md)
            return result.Problem.Result(http, result.Detail);
        }
        if (result.Problem is { } problem)
            return await audit.MessageRejectedAsync(http, clientId, problem, result.Detail, jws, ct);
        metrics.ReceiptSent();
        return Results.Text(result.ReceiptJws!, PeerClient.JoseMediaType, Encoding.ASCII, result.IsDuplicate ? 200 : 201);
    }
}
