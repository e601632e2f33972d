using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// <c>NonNullableReferenceTypesAsRequired</c> marks every non-nullable member required, but a body member that is
/// neither a C# <c>required</c> member, nor <see cref="RequiredAttribute"/>, nor a positional record parameter keeps its
/// initializer when the JSON omits it (<c>additionalEvidence</c> defaults to <c>[]</c>): the node accepts the body,
/// so the contract must not refuse it.
/// </summary>
public sealed class DefaultedMembersSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema model, SchemaFilterContext context)
    {
        if (model is not OpenApiSchema { Required.Count: > 0, Properties: not null } schema || context.Type.IsPrimitive)
            return;
        var positional = context.Type.GetConstructors().SelectMany(c => c.GetParameters())
            .Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is null
                || property.IsDefined(typeof(RequiredMemberAttribute))
                || property.IsDefined(typeof(RequiredAttribute))
                || positional.Contains(property.Name))
                continue;
            schema.Required.Remove(JsonNamingPolicy.CamelCase.ConvertName(property.Name));
        }
    }
}
