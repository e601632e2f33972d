using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Puts the examples of <see cref="OperationExamples"/> on each operation's parameters, body and success responses
/// (one per media type: JSON and CSV answers differ), after completing responses the endpoint declares in several
/// media types with different types: ApiExplorer keeps only the last one of a status.
/// </summary>
public sealed class ExamplesOperationFilter : IOperationFilter
{
    /// <summary>A page of at most 1000 audit entries, each at most a few KiB with its base64url leaf.</summary>
    public const int CsvMaxLength = 16 * 1024 * 1024;

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        CompleteResponseContent(operation, context);
        Apply(operation);
    }

    /// <summary>What each query and path parameter means, by name (a name means the same on every operation).</summary>
    private static readonly IReadOnlyDictionary<string, string> ParameterDescriptions = new Dictionary<string, string>
    {
        ["id"] = "The referral id (UUID).",
        ["direction"] = "Only referrals this node sent (`outgoing`) or received from the peer (`incoming`).",
        ["status"] = "Only referrals in this status.",
        ["updatedSince"] = "Only referrals changed at or after this instant (RFC 3339 date-time with an offset, `Z` or any `±hh:mm`, compared as the same UTC instant).",
        ["dueBefore"] = "Only referrals whose current deadline (`deadlines.nextDueAt`) is before this instant (RFC 3339 date-time with an offset, `Z` or any `±hh:mm`).",
        ["overdue"] = "`true`: only referrals whose current deadline has passed; `false`: only those with no deadline passed.",
        ["cursor"] = "The `nextCursor` of the previous page, as returned; omit for the first page.",
        ["limit"] = "Page size, from 1 to the maximum stated here.",
        ["after"] = "Read events after this position: 0 (the default) from the start, or the `last` of the previous page or of `GET /api/v1/events/latest`.",
        ["since"] = "Only entries recorded at or after this instant (RFC 3339 date-time with an offset, `Z` or any `±hh:mm`).",
        ["until"] = "Only entries recorded before this instant (RFC 3339 date-time with an offset, `Z` or any `±hh:mm`); not before `since`.",
        ["referralId"] = "Only entries about this referral.",
        ["messageId"] = "Only entries about this message.",
        ["client"] = "Only entries of this client id (e.g. `fr-ministry`, `node-GB`).",
        ["kind"] = "Only entries of this kind.",
        ["index"] = "The entry's index in the log.",
        ["treeSize"] = "The tree size to prove against; defaults to the latest checkpoint's.",
        ["cosigned"] = "`true`: the latest checkpoint the peer has cosigned, which may be older than the latest.",
        ["from"] = "The smaller tree size (0 to `to`).",
        ["to"] = "The larger tree size, at most the sequenced size.",
        ["include"] = "`personal-data`: every message JWS verbatim (personal data; `referrals.read` only, an audited read). Omitted: each message by its SHA-256.",
        ["minutes"] = "How many minutes back from now, 1-180 (default 60).",
    };

    /// <summary>Path parameters whose name means something else as a query filter.</summary>
    private static readonly IReadOnlyDictionary<string, string> PathDescriptions = new Dictionary<string, string>
    {
        ["referralId"] = "The referral id (UUID).",
    };

    /// <summary>Also used for the token operation, which the document filter adds by hand.</summary>
    public static void Apply(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.Description is null && parameter.In is ParameterLocation.Query or ParameterLocation.Path
                && ((parameter.In == ParameterLocation.Path ? PathDescriptions : ParameterDescriptions).TryGetValue(parameter.Name ?? "", out var description)
                    || ParameterDescriptions.TryGetValue(parameter.Name ?? "", out description)))
                parameter.Description = description;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.Example is null && OperationExamples.Parameters.TryGetValue(parameter.Name ?? "", out var value))
                parameter.Example = value.DeepClone();

        if (operation.OperationId is not { } id)
            return;
        if (OperationExamples.RequestOutcomes(id) is { } outcomes && operation.RequestBody?.Content is { } named)
            foreach (var media in named.Values.OfType<OpenApiMediaType>())
                media.Examples = outcomes.ToDictionary(o => o.Name, o => (IOpenApiExample)new OpenApiExample
                {
                    Summary = o.Summary,
                    Value = o.Value.DeepClone(),
                });
        else if (OperationExamples.Request(id) is { } request && operation.RequestBody?.Content is { } content)
            foreach (var media in content.Values.OfType<OpenApiMediaType>())
                media.Example = request.DeepClone();

        foreach (var (status, answer) in operation.Responses ?? [])
            if (status.StartsWith('2') && answer.Content is { } body)
                foreach (var (mediaType, media) in body)
                    if (media is OpenApiMediaType concrete && OperationExamples.Response(id, mediaType) is { } example)
                        concrete.Example = example;
    }

    /// <summary>Adds each success media type the endpoint declares (<c>.Produces&lt;T&gt;(status, mediaType)</c>) that the generator dropped.</summary>
    private static void CompleteResponseContent(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var declared in context.ApiDescription.ActionDescriptor.EndpointMetadata
                     .OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
                     .Where(m => m.StatusCode is >= 200 and < 300 && m.Type is not null && m.Type != typeof(void)))
        {
            var key = declared.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(key, out var response) != true || response is not OpenApiResponse { Content: { } content })
                continue;
            foreach (var mediaType in declared.ContentTypes.Where(m => !content.ContainsKey(m)))
                content[mediaType] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(declared.Type!, context.SchemaRepository) };
            // A CSV page is one string of up to a page of entries, not a short text field.
            if (content.TryGetValue("text/csv", out var csv) && csv is OpenApiMediaType { Schema: OpenApiSchema text })
            {
                text.MaxLength = CsvMaxLength;
                text.Description = "RFC 4180 CSV: a header row, then one row per entry with the columns of the JSON answer; `X-Next-Cursor` carries the next cursor.";
            }
        }
    }
}
