using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>A security requirement per operation, with the scope its authorization policy demands; none when anonymous.</summary>
public sealed class SecurityOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var endpoint = EndpointConventions.Of(context.ApiDescription);
        operation.Security = endpoint.Authenticated
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ContractInfo.SecurityScheme, context.Document)] = [.. endpoint.Scopes] }]
            : [];
    }
}
