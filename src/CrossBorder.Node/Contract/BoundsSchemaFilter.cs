using System.Reflection;
using System.Text.Json.Nodes;
using CrossBorder.Core.Referrals;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Bounds on every schema, so a generated client is strict: enums as their wire names, <see cref="ListItemsAttribute"/>
/// on array items, and for strings, integers and arrays the DataAnnotations do not bound (mostly response fields
/// the node writes itself) the limits in <see cref="ContractBounds"/>.
/// </summary>
public sealed class BoundsSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema model, SchemaFilterContext context)
    {
        if (model is not OpenApiSchema schema)
            return;
        var type = Nullable.GetUnderlyingType(context.Type) ?? context.Type;
        if (type.IsEnum)
        {
            schema.Type = JsonSchemaType.String | (schema.Type & JsonSchemaType.Null);
            schema.Format = null;
            schema.Enum = [.. Enum.GetNames(type).Select(n => (JsonNode)JsonValue.Create(n))];
            return;
        }

        var name = context.MemberInfo?.Name ?? context.ParameterInfo?.Name;
        if (context.MemberInfo?.GetCustomAttribute<ListItemsAttribute>() is { } items && schema.Items is OpenApiSchema item)
        {
            if (items.MaxLength > 0) item.MaxLength = items.MaxLength;
            if (items.Pattern is not null) item.Pattern = items.Pattern;
        }
        ContractBounds.Apply(schema, name, context.MemberInfo?.DeclaringType?.Name);
    }
}
