using CrossBorder.Node.Http;
using Microsoft.OpenApi;

namespace CrossBorder.Node.Contract;

/// <summary>
/// Two documents: the ministry + audit API, and the peer exchange API. Everything an operation
/// needs beyond its route, name, summary and description (security, problem responses, headers,
/// bounds, examples) is added by convention in <c>Contract/</c>, not per endpoint.
/// </summary>
public static class OpenApiSetup
{

    public static IServiceCollection AddNodeOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(ApiDocuments.Ministry, ContractInfo.Ministry);
            o.SwaggerDoc(ApiDocuments.Exchange, ContractInfo.Exchange);
            o.DocInclusionPredicate((doc, api) => api.GroupName == doc);
            o.CustomOperationIds(api => api.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName);
            o.SupportNonNullableReferenceTypes();
            o.NonNullableReferenceTypesAsRequired();
            o.UseAllOfToExtendReferenceSchemas();
            o.SchemaFilter<BoundsSchemaFilter>();
            o.SchemaFilter<DefaultedMembersSchemaFilter>();
            o.SchemaFilter<WireOrderSchemaFilter>();
            o.OperationFilter<SecurityOperationFilter>();
            o.OperationFilter<ProblemResponsesOperationFilter>();
            o.OperationFilter<ExamplesOperationFilter>();
            o.DocumentFilter<ContractDocumentFilter>();
            var xml = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
            var coreXml = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Core.xml");
            if (File.Exists(coreXml)) o.IncludeXmlComments(coreXml);
        });
        return services;
    }

    public static WebApplication UseNodeOpenApi(this WebApplication app)
    {
        // An endpoint, not middleware: Swashbuckle's middleware resolves a new document generator (transient, with its
        // options and schema generator) on every request that passes it, before it looks at the path (perf: 0.3% of a
        // node's CPU under load, for nothing). The endpoint runs only for the two documents.
        app.MapSwagger("/openapi/{documentName}.json", o =>
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1); // null as a type, not 3.0's "nullable" next to a $ref
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "swagger";
            o.DocumentTitle = "CrossBorder node API";
            o.SwaggerEndpoint($"/openapi/{ApiDocuments.Ministry}.json", "Ministry and audit API v1");
            o.SwaggerEndpoint($"/openapi/{ApiDocuments.Exchange}.json", "Exchange API v1");
            // Client credentials from the page: the token URL in the documents is relative, so the UI asks
            // this node's /connect/token. The secret is typed by the user and never stored server-side, nor in the
            // browser: authorization is not persisted (no EnablePersistAuthorization), so it ends with the page.
            o.OAuthScopeSeparator(" ");
            o.OAuthScopes(Scopes.ReferralsRead, Scopes.ReferralsWrite);
            o.DisplayOperationId();
            o.UseRequestInterceptor(FreshIdempotencyKeys());
        });
        return app;
    }

    /// <summary>
    /// "Try it out" pre-fills the documented Idempotency-Key example; sent twice, the second call would replay the first
    /// answer (or be refused with another body). The interceptor swaps a documented example (or an empty value) for a
    /// fresh UUID on every call, so each click is a new intended change; a key the user typed is sent as typed.
    /// </summary>
    public static string FreshIdempotencyKeys()
    {
        var examples = new[] { "CreateReferral" }
            .Concat(CrossBorder.Core.Lifecycle.Lifecycle.Steps.Select(s => Referrals.ReferralEndpoints.StepOperationId(s.Name)))
            .Select(id => $"'{OperationExamples.IdempotencyKey(id)}'");
        return "(request) => { const examples = [" + string.Join(",", examples) + "]; " +
            "for (const name of Object.keys(request.headers || {})) { " +
            "if (name.toLowerCase() === 'idempotency-key' && (!request.headers[name] || examples.includes(request.headers[name]))) { " +
            "request.headers[name] = (self.crypto && self.crypto.randomUUID) ? self.crypto.randomUUID() : " +
            "'ui-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2); } } return request; }";
    }
}
