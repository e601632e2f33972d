using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Attachments;

/// <summary>Documents travel as raw bytes: their bodies are <c>format: binary</c>, with the size bound (runs after the shared filters).</summary>
public sealed class AttachmentOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        Describe(operation);
        var maxBytes = operation.OperationId == AttachmentExchangeEndpoints.PutOperationId
            ? AttachmentOptions.MaxChunkBytes
            : new AttachmentOptions().MaxBytes;
        if (operation.OperationId is AttachmentEndpoints.UploadOperationId or AttachmentExchangeEndpoints.PutOperationId
            && operation.RequestBody is OpenApiRequestBody body)
        {
            body.Required = true;
            foreach (var (type, media) in body.Content ?? new Dictionary<string, IOpenApiMediaType>())
                if (media is OpenApiMediaType m)
                    (m.Schema, m.Example) = (Binary(maxBytes), AttachmentExamples.Bytes(type));
        }
        var success = operation.OperationId switch
        {
            AttachmentEndpoints.UploadOperationId => ("201", AttachmentExamples.View(delivered: false)),
            AttachmentEndpoints.ListOperationId => ("200", AttachmentExamples.List()),
            AttachmentExchangeEndpoints.StatusOperationId or AttachmentExchangeEndpoints.PutOperationId => ("200", AttachmentExamples.Transfer()),
            _ => ((string, System.Text.Json.Nodes.JsonNode)?)null,
        };
        if (success is var (status, example) && operation.Responses?.GetValueOrDefault(status) is OpenApiResponse answer)
            foreach (var media in (answer.Content ?? new Dictionary<string, IOpenApiMediaType>()).Values.OfType<OpenApiMediaType>())
                media.Example = example.DeepClone();
        if (operation.OperationId == AttachmentEndpoints.DownloadOperationId && operation.Responses?.GetValueOrDefault("200") is OpenApiResponse ok)
        {
            foreach (var (type, media) in ok.Content ?? new Dictionary<string, IOpenApiMediaType>())
                if (media is OpenApiMediaType m)
                    (m.Schema, m.Example) = (Binary(maxBytes), AttachmentExamples.Bytes(type));
            ok.Headers ??= new Dictionary<string, IOpenApiHeader>();
            ok.Headers["Repr-Digest"] = new OpenApiHeader
            {
                Description = "The document's SHA-256 (RFC 9530), the digest the signed `attachment.added` message names (there in base64url).",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 60, Pattern = "^sha-256=:[A-Za-z0-9+/]{43}=:$" },
            };
        }
    }

    /// <summary>What a status means on these operations, beyond the general descriptions.</summary>
    private static readonly IReadOnlyDictionary<(string, string), string> Descriptions = new Dictionary<(string, string), string>
    {
        [(AttachmentEndpoints.UploadOperationId, "413")] = "The document is larger than `Attachments:MaxBytes` (CB0007; `maxBytes` says how large it may be), or the case already holds `Attachments:MaxPerReferral` documents (CB0401; `maxPerReferral`).",
        [(AttachmentEndpoints.UploadOperationId, "415")] = "`Content-Type` is not `application/pdf`, `image/jpeg` or `image/png` (CB0008), or the content is not a valid document of that type (CB0402): another type, truncated, or broken inside.",
        [(AttachmentEndpoints.UploadOperationId, "400")] = "A missing Idempotency-Key (CB0003), a `step` that is not the `messageId` of one of the case's steps (CB0001), or a query value or header that breaks the text rule (CB0001).",
        [(AttachmentEndpoints.DownloadOperationId, "404")] = "No such referral, or no such document on it (CB0006): a peer's document is listed and readable once it arrived in full and matched its signed digest.",
        [(AttachmentExchangeEndpoints.PutOperationId, "409")] = "The range does not start at the bytes this node holds (CB0404; `received` and the `Upload-Offset` header say where to continue).",
        [(AttachmentExchangeEndpoints.PutOperationId, "413")] = "The document is larger than this node takes (CB0007), the range is over 1 MiB (CB0007), or the case already holds the most documents this node takes (CB0401).",
        [(AttachmentExchangeEndpoints.PutOperationId, "403")] = "The token does not grant the `exchange` scope (CB0011), or the calling peer is not a party to the referral (CB0104).",
        [(AttachmentExchangeEndpoints.StatusOperationId, "403")] = "The token does not grant the `exchange` scope (CB0011), or the calling peer is not a party to the referral (CB0104).",
    };

    /// <summary>The parameters the shared descriptions do not know.</summary>
    private static readonly IReadOnlyDictionary<string, string> Parameters = new Dictionary<string, string>
    {
        ["step"] = "The `messageId` of the case's step the document belongs to (`history[].messageId` on the referral); omit for the case as a whole.",
        ["attachmentId"] = "The document's id (UUID v7, the same on both nodes).",
        ["referralId"] = "The referral id (UUID).",
    };

    private static void Describe(OpenApiOperation operation)
    {
        foreach (var (status, response) in operation.Responses ?? [])
            if (response is OpenApiResponse r && Descriptions.TryGetValue((operation.OperationId ?? "", status), out var text))
                r.Description = text;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.Description is null && Parameters.TryGetValue(parameter.Name ?? "", out var text))
                parameter.Description = text;
    }

    private static OpenApiSchema Binary(long maxBytes) => new()
    {
        Type = JsonSchemaType.String,
        Format = "binary",
        MaxLength = (int)maxBytes, // bytes of a binary string (the node's default bound; Attachments:MaxBytes configures it)
        Description = $"The raw bytes, at most {maxBytes} by default.",
    };
}
