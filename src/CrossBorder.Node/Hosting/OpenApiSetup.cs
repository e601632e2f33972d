using Microsoft.OpenApi;

namespace CrossBorder.Node.Hosting;

/// <summary>Two documents: the ministry + audit API, and the peer exchange API.</summary>
public static class OpenApiSetup
{
    public const string MinistryDocument = "v1";
    public const string ExchangeDocument = "exchange-v1";

    public static IServiceCollection AddNodeOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(MinistryDocument, new OpenApiInfo
            {
                Title = "CrossBorder ministry and audit API",
                Version = "1.0.0",
                Description = "Create and follow cross-border referrals of unaccompanied minors; audit the exchange.",
            });
            o.SwaggerDoc(ExchangeDocument, new OpenApiInfo
            {
                Title = "CrossBorder node exchange API",
                Version = "1.0.0",
                Description = "What one node calls on its peer: signed messages in, signed receipts out.",
            });
            o.DocInclusionPredicate((doc, api) => api.GroupName == doc);
            o.SupportNonNullableReferenceTypes();
            var xml = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
            var coreXml = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Core.xml");
            if (File.Exists(coreXml)) o.IncludeXmlComments(coreXml);
        });
        return services;
    }

    public static WebApplication UseNodeOpenApi(this WebApplication app)
    {
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "swagger";
            o.SwaggerEndpoint($"/openapi/{MinistryDocument}.json", "Ministry and audit API v1");
            o.SwaggerEndpoint($"/openapi/{ExchangeDocument}.json", "Exchange API v1");
        });
        return app;
    }
}
