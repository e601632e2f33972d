using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Attachments;

/// <summary>Documents travel as raw bytes: their bodies are <c>format: binary</c>, with the size bound (runs after the shared filters).</summary>
public sealed class AttachmentOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var maxBytes = operation.OperationId == AttachmentExchangeEndpoints.PutOperationId
            ? AttachmentOptions.MaxChunkBytes
            : new AttachmentOptions().MaxBytes;
        if (operation.OperationId is AttachmentEndpoints.UploadOperationId or AttachmentExchangeEndpoints.PutOperationId
            && operation.RequestBody is OpenApiRequestBody body)
        {
            body.Required = true;
            foreach (var media in (body.Content ?? new Dictionary<string, IOpenApiMediaType>()).Values.OfType<OpenApiMediaType>())
                media.Schema = Binary(maxBytes);
        }
        if (operation.OperationId == AttachmentEndpoints.DownloadOperationId && operation.Responses?.GetValueOrDefault("200") is OpenApiResponse ok)
        {
            foreach (var media in (ok.Content ?? new Dictionary<string, IOpenApiMediaType>()).Values.OfType<OpenApiMediaType>())
                media.Schema = Binary(maxBytes);
            ok.Headers ??= new Dictionary<string, IOpenApiHeader>();
            ok.Headers["Repr-Digest"] = new OpenApiHeader
            {
                Description = "The document's SHA-256 (RFC 9530), the digest the signed `attachment.added` message names (there in base64url).",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 60, Pattern = "^sha-256=:[A-Za-z0-9+/]{43}=:$" },
            };
        }
    }

    private static OpenApiSchema Binary(long maxBytes) => new()
    {
        Type = JsonSchemaType.String,
        Format = "binary",
        Description = $"The raw bytes, at most {maxBytes} by default.",
    };
}
