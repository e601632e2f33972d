using Microsoft.OpenApi;

namespace CrossBorder.Node.Contract;

/// <summary>
/// <c>POST /connect/token</c>: OAuth's own endpoint, answered by OpenIddict, so described here rather than
/// discovered. Its errors use OAuth's format (RFC 6749 §5.2), not problem details.
/// </summary>
public static class TokenOperation
{
    public const string OperationId = "Token";

    public static void AddTo(OpenApiDocument document)
    {
        var operation = new OpenApiOperation
        {
            OperationId = OperationId,
            Summary = "Get an access token by client credentials",
            Description = "OAuth2 client credentials grant (RFC 6749 §4.4). Authenticate with `client_id` and `client_secret` (in the body or HTTP Basic) or with a `private_key_jwt` assertion (`client_assertion_type` and `client_assertion`, RFC 7523). Omit `scope` to get every scope the client holds. Local pair: the ministry client ids and secrets are in `.local/dev-clients.json` after `crossborder up`.",
            Tags = new HashSet<OpenApiTagReference> { new("Token", document) },
            Security = [],
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/x-www-form-urlencoded"] = new OpenApiMediaType { Schema = RequestSchema() },
                },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = Json("An access token.", TokenSchema()),
                ["400"] = Json("The request is not a valid token request (`invalid_request`, `invalid_scope`, `unsupported_grant_type`), or (as a problem document, CB0001) a query or header value breaks the node's text rule.", ErrorSchema(),
                    Problem(document, ContractInfo.ValidationProblemSchema, 400)),
                ["401"] = Json("The client could not be authenticated (`invalid_client`).", ErrorSchema()),
                ["413"] = ProblemOnly(document, 413),
                ["414"] = ProblemOnly(document, 414),
                ["429"] = ProblemOnly(document, 429),
                ["500"] = Json("The token server could not answer: an OAuth `server_error`, or a problem document (CB0013).", ErrorSchema(),
                    Problem(document, ContractInfo.ProblemSchema, 500)),
                ["503"] = ProblemOnly(document, 503),
            },
        };
        ExamplesOperationFilter.Apply(operation);
        var item = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        document.Paths.Add(ContractInfo.TokenPath, item);
    }

    private static OpenApiResponse Json(string description, OpenApiSchema schema, OpenApiMediaType? problem = null)
    {
        var content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } };
        if (problem is not null)
            content[ContractInfo.ProblemMediaType] = problem;
        return new OpenApiResponse { Description = description, Content = content };
    }

    /// <summary>
    /// What the node answers before or around OpenIddict (body and target bounds, rate limiter, a lost database) is a
    /// problem document, as on every other operation; only the token server's own refusals use OAuth's format.
    /// </summary>
    private static OpenApiResponse ProblemOnly(OpenApiDocument document, int status)
    {
        var response = new OpenApiResponse
        {
            Description = ProblemResponsesOperationFilter.Describe(status),
            Content = new Dictionary<string, IOpenApiMediaType> { [ContractInfo.ProblemMediaType] = Problem(document, ContractInfo.ProblemSchema, status) },
        };
        if (status is 429 or 503)
            response.Headers = new Dictionary<string, IOpenApiHeader> { ["Retry-After"] = ProblemResponsesOperationFilter.RetryAfter() };
        return response;
    }

    private static OpenApiMediaType Problem(OpenApiDocument document, string schema, int status) => new()
    {
        Schema = new OpenApiSchemaReference(schema, document),
        Example = ProblemExamples.For(status, ContractInfo.TokenPath),
    };

    private static OpenApiSchema Text(int maxLength, string description, string? pattern = null) =>
        new() { Type = JsonSchemaType.String, MaxLength = maxLength, Pattern = pattern, Description = description };

    private static OpenApiSchema RequestSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "grant_type" },
        // RFC 6749 §3.1: "The authorization server MUST ignore unrecognized request parameters", so the form admits
        // members it does not name (bounded in number); a parameter sent empty counts as not sent.
        MaxProperties = 20,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["grant_type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["client_credentials"], Description = "Always `client_credentials`." },
            ["client_id"] = Text(100, "The client id, e.g. `fr-ministry`."),
            ["client_secret"] = Text(200, "The client secret, when the client authenticates with one."),
            ["client_assertion_type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"], Description = "For `private_key_jwt`." },
            ["client_assertion"] = Text(8000, "For `private_key_jwt`: a JWT signed with the client's key, single use (`jti`).", ContractBounds.JwsPattern),
            ["scope"] = Text(200, "Space-separated scopes; omit (or send empty) for every scope the client holds.", Identity.TokenRequestRules.ScopePattern),
        },
    };

    private static OpenApiSchema TokenSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "access_token", "token_type", "expires_in" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["access_token"] = Text(8000, "An ES256-signed JWT access token.", ContractBounds.JwsPattern),
            ["token_type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["Bearer"] },
            ["expires_in"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "3600", Description = "Seconds until the token expires." },
            ["scope"] = Text(200, "The granted scopes, space-separated."),
        },
    };

    private static OpenApiSchema ErrorSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An OAuth2 error response (RFC 6749 §5.2).",
        Required = new HashSet<string> { "error" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["error"] = Text(64, "The OAuth2 error code, e.g. `invalid_client`.", "^[a-z_]{1,64}$"),
            ["error_description"] = Text(500, "A human-readable explanation."),
            ["error_uri"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", MaxLength = 500 },
        },
    };
}
