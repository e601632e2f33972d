using Microsoft.OpenApi;

namespace CrossBorder.Node.Contract;

/// <summary>The shared RFC 9457 problem schema (with the node's <c>code</c>, <c>traceId</c> and <c>errors</c>), its validation shape, and the JWS string.</summary>
public static class ProblemSchemas
{
    public static IEnumerable<(string Id, IOpenApiSchema Schema)> Create(OpenApiDocument document)
    {
        yield return (ContractInfo.ProblemSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem document. React to `code` (stable, e.g. `CB0006`), not to `title` or `detail`.",
            Required = new HashSet<string> { "type", "title", "status", "code", "traceId" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", MaxLength = 200, Description = "A stable URI naming the problem: `https://crossborder.example/problems/{code}`." },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200, Description = "A short, stable summary of the problem." },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599", Description = "The HTTP status." },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, MaxLength = 2000, Description = "What went wrong with this request; never exception text or submitted personal data." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Format = "uri-reference", MaxLength = 2000, Description = "The request path." },
                ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^CB[0-9]{4}$", MaxLength = 6, Description = "The node's stable machine code." },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128, Description = "W3C trace id of the request; quote it when reporting a problem." },
                ["errors"] = Errors(),
                ["currentETag"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64, Description = "With CB0015 (412): the referral's current ETag." },
                ["currentStatus"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, MaxLength = 40,
                    Enum = [.. CrossBorder.Core.Lifecycle.ReferralStatus.All.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v))],
                    Description = "With CB0016 (409) and CB0017 (403): the referral's current status." + ContractBounds.OpenEnumNote,
                },
                ["allowedSteps"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array, MaxItems = CrossBorder.Core.Lifecycle.Lifecycle.Steps.Count,
                    Items = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String, MaxLength = 40,
                        Enum = [.. CrossBorder.Core.Lifecycle.Lifecycle.Steps.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v.Name))],
                    },
                    Description = "With CB0016 (409) and CB0017 (403): the steps this node may take in the current status (may be empty).",
                },
                ["witnessedSize"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0", Maximum = ContractBounds.MaxSafeInteger.ToString(System.Globalization.CultureInfo.InvariantCulture), Description = "With CB0203 (409): the tree size this node last cosigned; send a consistency proof from it." },
            },
            AdditionalPropertiesAllowed = false,
        });
        yield return (ContractInfo.ValidationProblemSchema, new OpenApiSchema
        {
            Description = "A problem document whose `errors` names every field that is not valid (JSON path, e.g. `child.nationalities[1]`).",
            AllOf = [new OpenApiSchemaReference(ContractInfo.ProblemSchema, document)],
        });
        yield return (ContractInfo.JwsSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "A JWS compact serialization (RFC 7515), ES256, verifiable with the signer's keys at `/exchange/v1/keys`.",
            MaxLength = ContractBounds.JwsMaxLength,
            Pattern = ContractBounds.JwsPattern,
        });
    }

    private static OpenApiSchema Errors() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "For validation problems: each invalid field's JSON path and what is wrong with it.",
        MaxProperties = 200,
        AdditionalProperties = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            MaxItems = 20,
            Items = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 500 },
        },
    };
}
