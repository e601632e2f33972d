using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Hosting.OpenApi;

/// <summary>Puts the examples of <see cref="OperationExamples"/> on each operation's parameters, body and success response.</summary>
public sealed class ExamplesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context) => Apply(operation);

    /// <summary>Also used for the token operation, which the document filter adds by hand.</summary>
    public static void Apply(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.Example is null && OperationExamples.Parameters.TryGetValue(parameter.Name ?? "", out var value))
                parameter.Example = value.DeepClone();

        if (operation.OperationId is not { } id)
            return;
        if (OperationExamples.Request(id) is { } request && operation.RequestBody?.Content is { } content)
            foreach (var media in content.Values.OfType<OpenApiMediaType>())
                media.Example = request.DeepClone();

        if (OperationExamples.Response(id) is { } response)
            foreach (var (status, answer) in operation.Responses ?? [])
                if (status.StartsWith('2') && answer.Content is { } body)
                    foreach (var media in body.Values.OfType<OpenApiMediaType>())
                        media.Example = response.DeepClone();
    }
}
