using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// A security requirement per scope that grants the operation (any one of them does: OpenAPI reads a list of
/// requirements as alternatives), from its authorization policy; none when anonymous.
/// </summary>
public sealed class SecurityOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var endpoint = EndpointConventions.Of(context.ApiDescription);
        operation.Security = endpoint.Authenticated
            ? [.. endpoint.Scopes.Select(scope => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ContractInfo.SecurityScheme, context.Document)] = [scope] })]
            : [];
    }
}
