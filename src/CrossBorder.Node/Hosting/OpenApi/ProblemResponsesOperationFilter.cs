using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Hosting.OpenApi;

/// <summary>
/// Every problem response an operation can give, by convention on its method, route and security, as
/// <c>application/problem+json</c> referencing the shared <c>Problem</c> (or, for 400, <c>ValidationProblem</c>)
/// schema; and the <c>Idempotency-Key</c> / <c>If-Match</c> headers the node requires.
/// </summary>
public sealed class ProblemResponsesOperationFilter : IOperationFilter
{
    private static readonly IReadOnlyDictionary<int, string> Descriptions = new Dictionary<int, string>
    {
        [400] = "The request is not valid: see `errors` for each field (CB0001), malformed JSON (CB0002), a missing Idempotency-Key (CB0003), a bad cursor (CB0009), or for the exchange a message that fails verification (CB0101-CB0109).",
        [401] = "No valid bearer token (CB0010).",
        [403] = "The token does not grant the scope this operation needs (CB0011).",
        [404] = "No such resource on this node (CB0006).",
        [409] = "Conflict: a request with this Idempotency-Key is still in flight (CB0005), or the state of the resource does not allow it.",
        [412] = "The If-Match ETag is not the referral's current version: read it again and retry.",
        [413] = "The request body is too large (CB0007).",
        [415] = "The request content type is not supported (CB0008).",
        [422] = "This Idempotency-Key was already used with a different request (CB0004).",
        [428] = "An If-Match header with the referral's current ETag is required.",
        [429] = "Too many requests (CB0012): retry after the number of seconds in Retry-After.",
        [500] = "The node could not complete the request (CB0013); quote the traceId when reporting it.",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var endpoint = EndpointConventions.Of(context.ApiDescription);
        operation.Parameters ??= [];
        if (endpoint.Idempotent)
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ContractInfo.IdempotencyKeyHeader,
                In = ParameterLocation.Header,
                Required = true,
                Description = "A unique key per intended change (1-255 printable ASCII characters, e.g. a UUID). The same key with the same body replays the first answer; with another body it is refused (422).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = "^[!-~]{1,255}$" },
                Example = JsonValue.Create("5f0c7d3e-8a3b-4d1e-9c55-2b7f3a9e6d10"),
            });
        if (endpoint.Conditional)
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ContractInfo.IfMatchHeader,
                In = ParameterLocation.Header,
                Required = true,
                Description = "The referral's current ETag, from `GET /api/v1/referrals/{id}`: the step is refused (412) when someone changed the referral since.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64, Pattern = "^(W/)?\"[!#-~]{1,60}\"$" },
                Example = JsonValue.Create("\"v1\""),
            });

        var hasBody = operation.RequestBody is not null;
        var hasInput = hasBody || operation.Parameters.Any(p => p.In is ParameterLocation.Query or ParameterLocation.Header);
        var statuses = new SortedSet<int> { 429, 500 };
        if (hasInput || endpoint.Idempotent) statuses.Add(400);
        if (endpoint.Authenticated) statuses.UnionWith([401, 403]);
        if (endpoint.HasPathParameters) statuses.Add(404);
        if (hasBody) statuses.UnionWith([413, 415]);
        if (endpoint.Idempotent) statuses.UnionWith([409, 422]);
        if (endpoint.Conditional) statuses.UnionWith([409, 412, 428]);
        if (endpoint.Method == "POST" && context.DocumentName == OpenApiSetup.ExchangeDocument) statuses.Add(409);

        operation.Responses ??= [];
        foreach (var status in statuses)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var schema = status == 400 ? ContractInfo.ValidationProblemSchema : ContractInfo.ProblemSchema;
            var response = new OpenApiResponse
            {
                Description = Descriptions[status],
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    [ContractInfo.ProblemMediaType] = new OpenApiMediaType
                    {
                        Schema = new OpenApiSchemaReference(schema, context.Document),
                        Example = ProblemExamples.For(status, endpoint.Path),
                    },
                },
            };
            if (status == 429)
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "3600" },
                    },
                };
            operation.Responses[key] = response;
        }
    }
}
