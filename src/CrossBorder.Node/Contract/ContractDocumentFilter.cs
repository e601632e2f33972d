using System.Text.Json.Nodes;
using CrossBorder.Node.Http;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Document-wide parts of the contract: the relative server, the OAuth2 client-credentials scheme, the shared
/// problem schemas, the token operation (OAuth's own, so described here), tag descriptions, the
/// <c>Location</c>/<c>ETag</c> headers and the links from a created resource to the operations on it.
/// </summary>
public sealed class ContractDocumentFilter : IDocumentFilter
{
    private static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["Token"] = "OAuth2 client credentials (RFC 6749 §4.4) at the node's own token server.",
        ["Referrals"] = "Create referrals, take lifecycle steps, read them and their signed messages.",
        ["Audit"] = "The tamper-evident audit log: entries, signed checkpoints and Merkle proofs (RFC 9162).",
        ["Feed"] = "The ordered change feed for ministry systems.",
        ["Events"] = "The ordered change feed for ministry systems.",
        ["Exchange"] = "Node to node: signed messages in, signed receipts out, and the node's public keys.",
    };

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Servers =
        [
            new OpenApiServer
            {
                Url = "/",
                Description = "The node serving this document (production: its public HTTPS URL; local: http://127.0.0.1:5101 for FR and :5102 for GB after `crossborder up`).",
                Extensions = new Dictionary<string, IOpenApiExtension> { ["x-internal"] = new JsonNodeExtension(JsonValue.Create(false)) },
            },
        ];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [ContractInfo.SecurityScheme] = SecurityScheme(context.DocumentName),
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (id, schema) in ProblemSchemas.Create(document))
            document.Components.Schemas[id] = schema;

        if (context.DocumentName == ApiDocuments.Ministry)
            TokenOperation.AddTo(document);

        var operations = document.Paths.SelectMany(p => (p.Value.Operations ?? []).Select(o => (Path: p.Key, Method: o.Key, Operation: o.Value))).ToList();
        foreach (var (path, method, operation) in operations)
        {
            UseJwsSchema(operation, document);
            foreach (var (status, response) in operation.Responses ?? [])
                if (response is OpenApiResponse concrete && status.StartsWith('2'))
                    AddHeadersAndLinks(document, path, status, concrete, operations);
        }

        AddResponseHeaders(document);
        document.Tags = new SortedSet<OpenApiTag>(
            operations.SelectMany(o => o.Operation.Tags ?? new HashSet<OpenApiTagReference>()).Select(t => t.Name).OfType<string>().Distinct()
                .Select(name => new OpenApiTag { Name = name, Description = TagDescriptions.GetValueOrDefault(name, name) }),
            Comparer<OpenApiTag>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name)));
        foreach (var schema in document.Components.Schemas.Values)
            FixNullableReferences(schema);
        RemoveUnusedSchemas(document);
    }

    /// <summary>
    /// Swashbuckle writes a nullable reference as <c>type: null</c> next to <c>allOf: [$ref]</c>, which nothing
    /// but null satisfies; the intent is "the referenced schema, or null".
    /// </summary>
    private static void FixNullableReferences(IOpenApiSchema model)
    {
        if (model is not OpenApiSchema schema)
            return;
        foreach (var (name, property) in schema.Properties?.ToList() ?? [])
        {
            if (property is OpenApiSchema { Type: JsonSchemaType.Null, AllOf: [OpenApiSchemaReference reference] } nullable)
                schema.Properties![name] = new OpenApiSchema
                {
                    Description = nullable.Description,
                    OneOf = [reference, new OpenApiSchema { Type = JsonSchemaType.Null }],
                };
            else
                FixNullableReferences(property);
        }
        if (schema.Items is not null)
            FixNullableReferences(schema.Items);
    }

    private static OpenApiSecurityScheme SecurityScheme(string documentName) => new()
    {
        Type = SecuritySchemeType.OAuth2,
        Description = documentName == ApiDocuments.Exchange
            ? "Client credentials at the node's `/connect/token`, the peer authenticating with a `private_key_jwt` client assertion (RFC 7523) signed by its node key. Access tokens are short-lived (5 minutes) ES256-signed JWTs, issued and validated following RFC8725 (JWT best current practices)."
            : "Client credentials at the node's `/connect/token` with a client secret or a `private_key_jwt` assertion. Access tokens are short-lived (5 minutes) ES256-signed JWTs, issued and validated following RFC8725 (JWT best current practices); ask for a new one when it expires.",
        Flows = new OpenApiOAuthFlows
        {
            ClientCredentials = new OpenApiOAuthFlow
            {
                TokenUrl = new Uri(ContractInfo.TokenPath, UriKind.Relative),
                Scopes = new Dictionary<string, string>
                {
                    [Scopes.ReferralsRead] = "Read referrals, their messages and the change feed (ministry systems).",
                    [Scopes.ReferralsWrite] = "Create referrals and take lifecycle steps (ministry systems).",
                    [Scopes.AuditRead] = "Read audit entries, checkpoints and proofs; no personal data (auditors).",
                    [Scopes.Exchange] = "Deliver signed messages and ask for checkpoint cosignatures (peer nodes only).",
                    [Scopes.Operations] = "Message states, dead letters and their re-drive, peers, throughput (operators; people get it by signing in to the node's console).",
                },
            },
        },
    };

    /// <summary>Signed messages and receipts travel as <c>application/jose</c>: one shared, bounded JWS schema.</summary>
    private static void UseJwsSchema(OpenApiOperation operation, OpenApiDocument document)
    {
        var contents = (operation.Responses ?? []).Values.Select(r => r.Content)
            .Append(operation.RequestBody?.Content).OfType<IDictionary<string, IOpenApiMediaType>>();
        foreach (var content in contents)
            if (content.TryGetValue("application/jose", out var media) && media is OpenApiMediaType jose)
                jose.Schema = new OpenApiSchemaReference(ContractInfo.JwsSchema, document);
    }

    private static void AddHeadersAndLinks(OpenApiDocument document, string path, string status, OpenApiResponse response,
        IReadOnlyList<(string Path, HttpMethod Method, OpenApiOperation Operation)> operations)
    {
        var returnsReferral = response.Content?.Values.Any(m => m.Schema is OpenApiSchemaReference { Reference.Id: "ReferralView" or "ReferralState" }) == true;
        if (status == "201")
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Location"] = new OpenApiHeader
            {
                Description = "Where the created resource can be read.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference", MaxLength = 200 },
            };
            // A created resource's id feeds every operation on it (RFC: OpenAPI 3 link objects).
            var links = operations
                .Where(o => o.Path.StartsWith(path.TrimEnd('/') + "/{id}", StringComparison.Ordinal) && o.Operation.OperationId is not null)
                .ToDictionary(o => o.Operation.OperationId!, o => (IOpenApiLink)new OpenApiLink
                {
                    OperationId = o.Operation.OperationId,
                    Description = $"The `id` of the created resource is the `id` of `{o.Operation.OperationId}`.",
                    Parameters = new Dictionary<string, RuntimeExpressionAnyWrapper>
                    {
                        ["id"] = new() { Expression = RuntimeExpression.Build("$response.body#/id") },
                    },
                });
            if (links.Count > 0)
                response.Links = links;
        }
        if (returnsReferral)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["ETag"] = new OpenApiHeader
            {
                Description = "The referral's version; send it as If-Match with the next lifecycle step.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64 },
                Example = JsonValue.Create("\"v1\""),
            };
        }
        _ = document;
    }

    /// <summary>
    /// Headers every answer may carry: the caller's rate-limit budget (draft-ietf-httpapi-ratelimit-headers) on every
    /// answer the node writes, and the CORS origin, which a node configured with no browser origins (the default) never sends.
    /// </summary>
    private static void AddResponseHeaders(OpenApiDocument document)
    {
        document.Components!.Headers = new Dictionary<string, IOpenApiHeader>
        {
            [RateLimiting.RateLimitHeader] = new OpenApiHeader
            {
                Description = "The caller's remaining budget: `\"client\";r={requests left};t={seconds until the budget is whole again}` (draft-ietf-httpapi-ratelimit-headers); a peer node's own, larger budget is named `\"peer\"`.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 100, Pattern = "^\"(client|peer)\";r=[0-9]{1,9};t=[0-9]{1,9}$" },
                Example = JsonValue.Create("\"client\";r=199;t=1"),
            },
            [RateLimiting.RateLimitPolicyHeader] = new OpenApiHeader
            {
                Description = "The caller's quota: `\"client\";q={burst};w={seconds to refill it}`; one bucket per client id (per address before authentication); peer nodes have their own partition, `\"peer\"`, sized for exchange volume.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 100, Pattern = "^\"(client|peer)\";q=[0-9]{1,9};w=[0-9]{1,9}$" },
                Example = JsonValue.Create("\"client\";q=200;w=4"),
            },
            ["Access-Control-Allow-Origin"] = new OpenApiHeader
            {
                Description = "CORS: sent only to an origin listed in the node's `Cors:AllowedOrigins`, empty by default (no browser origin may call the API; Swagger UI is same-origin).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", MaxLength = 200 },
            },
        };
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
            foreach (var (status, model) in operation.Responses ?? [])
            {
                if (model is not OpenApiResponse response)
                    continue;
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers["Access-Control-Allow-Origin"] = new OpenApiHeaderReference("Access-Control-Allow-Origin", document);
                if (!(status.StartsWith('2') || status.StartsWith('4')))
                    continue;
                response.Headers[RateLimiting.RateLimitHeader] = new OpenApiHeaderReference(RateLimiting.RateLimitHeader, document);
                response.Headers[RateLimiting.RateLimitPolicyHeader] = new OpenApiHeaderReference(RateLimiting.RateLimitPolicyHeader, document);
            }
    }

    /// <summary>Schemas the generator made for results the conventions replaced (framework problem types).</summary>
    private static void RemoveUnusedSchemas(OpenApiDocument document)
    {
        var json = SerializeWithoutSchemas(document);
        foreach (var id in document.Components!.Schemas!.Keys.ToList())
            if (!json.Contains($"\"#/components/schemas/{id}\"", StringComparison.Ordinal))
                document.Components.Schemas.Remove(id);
    }

    private static string SerializeWithoutSchemas(OpenApiDocument document)
    {
        // References between schemas count too: serialize the whole document and look for each reference.
        using var writer = new StringWriter();
        document.SerializeAsV3(new OpenApiJsonWriter(writer));
        return writer.ToString();
    }
}
