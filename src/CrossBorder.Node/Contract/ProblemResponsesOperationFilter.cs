using CrossBorder.Node.Http;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Every problem response an operation can give, by convention on its method, route and security, as
/// <c>application/problem+json</c> referencing the shared <c>Problem</c> (or, for 400, <c>ValidationProblem</c>)
/// schema; and the <c>Idempotency-Key</c> / <c>If-Match</c> headers the node requires.
/// </summary>
public sealed class ProblemResponsesOperationFilter : IOperationFilter
{
    private static readonly IReadOnlyDictionary<int, string> Descriptions = new Dictionary<int, string>
    {
        [400] = "The request is not valid: see `errors` for each field (CB0001), malformed JSON (CB0002), a missing Idempotency-Key (CB0003), a bad cursor (CB0009), a query value or header that breaks the text rule (CB0001, on any operation), or for the exchange a message that fails verification (CB0101-CB0109) or names a document whose transferred content does not match its digest (CB0405). (A path holding an encoded NUL, `%00`, is refused by the HTTP server itself, with no body.)",
        [401] = "No valid bearer token (CB0010).",
        [403] = "The token does not grant the scope this operation needs (CB0011).",
        [404] = "No such resource on this node (CB0006).",
        [409] = "Conflict: a request with this Idempotency-Key is still in flight (CB0005), or the state of the resource does not allow it.",
        [410] = "This node erased the case's personal data and message texts (CB0210; `erasedAt` says when), by its retention period or an order: its metadata, digests and audit entries remain.",
        [412] = "The If-Match ETag is not the referral's current version (CB0015; `currentETag` names it): read the referral again and retry.",
        [413] = "The request body is too large (CB0007).",
        [414] = "Path and query are longer than 4096 characters (CB0019). (A request line over 8 KiB is refused by the HTTP server itself, with no body.)",
        [415] = "The request content type is not supported (CB0008).",
        [422] = "This Idempotency-Key was already used with a different request (CB0004).",
        [428] = "An If-Match header with the referral's current ETag is required (CB0014).",
        [429] = "Too many requests (CB0012): retry after the number of seconds in Retry-After.",
        [500] = "The node could not complete the request (CB0013); quote the traceId when reporting it.",
        [503] = "The node cannot reach its database right now (CB0030), or, for a ministry write, too many writes are running or waiting (CB0031): nothing was changed; retry after the number of seconds in Retry-After (a write with the same Idempotency-Key).",
    };

    /// <summary>What a lifecycle step adds to a status's meaning.</summary>
    private static readonly IReadOnlyDictionary<int, string> StepDescriptions = new Dictionary<int, string>
    {
        [403] = "The token does not grant the scope this operation needs (CB0011), or the step belongs to the other state: the requesting state submits, informs, asks for re-examination, proposes the transfer and withdraws; the requested state asks for information, decides and completes the transfer (CB0017).",
        [409] = "The step is not allowed in the referral's current status (CB0016; see `allowedSteps` on the referral), or a request with this Idempotency-Key is still in flight (CB0005).",
    };

    private static readonly IReadOnlyDictionary<int, string> ExchangeDescriptions = new Dictionary<int, string>
    {
        [403] = "The token does not grant the `exchange` scope (CB0011), or the message's sender is not the authenticated peer (CB0104).",
        [409] = "A different message with this id was already received (CB0107), the message is out of sequence (CB0108) or names an unknown referral (CB0110), or names a document whose content was not transferred in full first (CB0403); for a checkpoint, the proof does not start at the size this node last cosigned (CB0203) or the log shrank or forked (CB0204, CB0205).",
    };

    /// <summary>The Retry-After header of a 429 or 503 answer (delay in seconds, RFC 9110 §10.2.3).</summary>
    public static OpenApiHeader RetryAfter() => new()
    {
        Description = "Seconds to wait before retrying.",
        Required = true,
        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "3600" },
    };

    /// <summary>A problem answer of <paramref name="status"/> (shared with the token operation, which is built by hand).</summary>
    public static string Describe(int status) => Descriptions[status];

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
                Example = JsonValue.Create(OperationExamples.IdempotencyKey(operation.OperationId)),
            });
        if (endpoint.Conditional)
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ContractInfo.IfMatchHeader,
                In = ParameterLocation.Header,
                Required = true,
                // What the node takes (RFC 9110 §13.1.1): one entity-tag, a comma-separated list of them, or `*`
                // (regression, contract fuzzer: the node took `*` and lists, the document allowed one tag only).
                Description = "The referral's current ETag, from `GET /api/v1/referrals/{id}`: the step is refused (412) when someone changed the referral since. " +
                    "As RFC 9110 allows, a comma-separated list of ETags matches when one of them is current, and `*` matches any version (it gives up the protection against lost updates: send the ETag).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 1000, Pattern = "^(\\*|(W/)?\"[!#-~]{1,60}\"( *, *(W/)?\"[!#-~]{1,60}\")*)$" },
                Example = JsonValue.Create("\"v1\""),
            });

        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Referrals.PersonalDataRead>().Any())
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Http.Purpose.Header,
                In = ParameterLocation.Header,
                Required = false,
                Description = "Why the data is read (recorded with the read in the audit log): 1-100 characters, letters, digits, space and `._:/-`, starting with a letter or digit. Refused with 400 (CB0206) when present but not valid.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Http.Purpose.MaxLength, Pattern = "^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,99}$" },
                Example = JsonValue.Create("case-review"),
            });

        var hasBody = operation.RequestBody is not null;
        // Every request passes the rate limiter (429), the request-target bound (414) and the text rule for query values
        // and headers (400), whatever the operation's parameters: a caller may always add a query or a header. An
        // operation that reads or writes the store answers 503 while the database is unreachable.
        var statuses = new SortedSet<int> { 400, 414, 429, 500 };
        if (endpoint.TouchesDatabase) statuses.Add(503);
        if (endpoint.Authenticated) statuses.UnionWith([401, 403]);
        if (endpoint.HasPathParameters) statuses.Add(404);
        if (hasBody) statuses.UnionWith([413, 415]);
                if (endpoint.Idempotent) statuses.UnionWith([409, 422]);
        if (endpoint.Conditional) statuses.UnionWith([409, 412, 428]);
        var exchange = endpoint.Method == "POST" && context.DocumentName == ApiDocuments.Exchange;
        if (exchange) statuses.Add(409);
        // Problems an endpoint declares itself (.ProducesProblem(404) where "not found" is not about a path parameter).
        statuses.UnionWith(context.ApiDescription.ActionDescriptor.EndpointMetadata
            .OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
            .Select(m => m.StatusCode).Where(Descriptions.ContainsKey).Where(s => s >= 400));

        operation.Responses ??= [];
        foreach (var status in statuses)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var schema = status == 400 ? ContractInfo.ValidationProblemSchema : ContractInfo.ProblemSchema;
            var response = new OpenApiResponse
            {
                Description = (endpoint.Conditional ? StepDescriptions : exchange ? ExchangeDescriptions : Descriptions)
                    .GetValueOrDefault(status, Descriptions[status]),
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    [ContractInfo.ProblemMediaType] = new OpenApiMediaType
                    {
                        Schema = new OpenApiSchemaReference(schema, context.Document),
                        Example = ProblemExamples.For(status, endpoint.Path, endpoint.Conditional),
                    },
                },
            };
            if (status is 429 or 503)
                response.Headers = new Dictionary<string, IOpenApiHeader> { ["Retry-After"] = RetryAfter() };
            operation.Responses[key] = response;
        }
    }
}
