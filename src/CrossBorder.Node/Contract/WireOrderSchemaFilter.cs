using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Lists a schema's properties in the order the node writes them: a record that extends another
/// (<c>ReferralState : ReferralSummary</c>) orders its members with <see cref="JsonPropertyOrderAttribute"/>, which
/// the serializer follows and the schema generator does not (it lists the base type's members first).
/// </summary>
public sealed class WireOrderSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema model, SchemaFilterContext context)
    {
        if (model is not OpenApiSchema { Properties.Count: > 1 } schema)
            return;
        var order = context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: JsonNamingPolicy.CamelCase.ConvertName(p.Name), p.GetCustomAttribute<JsonPropertyOrderAttribute>()?.Order))
            .Where(p => p.Order is not null)
            .ToDictionary(p => p.Name, p => p.Order!.Value);
        if (order.Count == 0)
            return;
        var ordered = schema.Properties.OrderBy(p => order.GetValueOrDefault(p.Key)).ToList();
        schema.Properties.Clear();
        foreach (var (name, property) in ordered)
            schema.Properties[name] = property;
    }
}
