using System.Globalization;
using System.Reflection;
using CrossBorder.Core.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CrossBorder.Node.Http;

/// <summary>Browser origins allowed to call the node (CORS). None by default: ministry systems and peers are servers.</summary>
public sealed class CorsPolicyOptions
{
    public const string Section = "Cors";

    /// <summary>Exact origins (scheme, host, port) allowed to call the API from a browser. Empty: no CORS headers at all.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>
/// HTTP-level rules every operation shares, so no endpoint can answer outside its contract: one problem-details
/// mapping (the framework's own 400s name the field, as ours do), no <c>Server</c> header, authentication before
/// content negotiation, an explicit CORS policy, and the one text rule (<see cref="StorableText"/>) for query and
/// route values and headers.
/// </summary>
public static class HttpContract
{
    /// <summary>Path and query at most this long (a query of every filter at its maximum stays well below).</summary>
    public const int MaxTargetLength = 4096;

    public static readonly string[] ExposedHeaders =
        ["ETag", "Location", "Retry-After", "RateLimit", "RateLimit-Policy", "X-Next-Cursor"];

    public static IServiceCollection AddNodeHttpContract(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        services.AddExceptionHandler<IdempotencyConflictHandler>();
        services.AddScoped<Idempotency>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 2 * 1024 * 1024);
        services.AddNodeRateLimiting(configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new());
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Customize);
        services.Configure<KestrelServerOptions>(o => o.AddServerHeader = false);

        // The routing matcher answers 415 for a content type an endpoint's Accepts metadata does not list, before
        // authentication runs: an anonymous caller would learn about the API before proving who it is. Handlers
        // check the media type themselves (after authorization), so the metadata only documents the body.
        foreach (var policy in services.Where(d => d.ServiceType == typeof(MatcherPolicy)
                     && d.ImplementationType?.Name == "AcceptsMatcherPolicy").ToList())
            services.Remove(policy);

        var origins = configuration.GetSection(CorsPolicyOptions.Section).Get<CorsPolicyOptions>()?.AllowedOrigins ?? [];
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            // No origin configured: the policy allows none, so no Access-Control-* header is ever sent.
            if (origins.Length > 0)
                p.WithOrigins(origins).WithMethods("GET", "POST")
                    .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Purpose")
                    .WithExposedHeaders(ExposedHeaders);
        }));
        return services;
    }

    /// <summary>Before authentication: CORS (preflights answer here) and the rate-limit headers on every answer.</summary>
    public static WebApplication UseNodeHttpContract(this WebApplication app)
    {
        app.UseCors();
        app.UseRateLimitHeaders();
        // Kestrel refuses a request line over 8 KiB itself, with no body; the node's own, lower bound answers a problem.
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.Value?.Length + http.Request.QueryString.Value?.Length > MaxTargetLength)
            {
                await Problems.UriTooLong.Result(http, $"Path and query are at most {MaxTargetLength} characters.").ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    /// <summary>After authorization (a caller learns nothing before it is authenticated): query, route and header text.</summary>
    public static WebApplication UseNodeInputRules(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var errors = new Dictionary<string, string[]>();
            foreach (var (name, values) in http.Request.Query)
                if (!StorableText.IsStorable(name) || values.Any(v => v is not null && !StorableText.IsStorable(v)))
                    errors[StorableText.IsStorable(name) ? name : "query"] = [StorableText.Rule];
            foreach (var (name, value) in http.Request.RouteValues)
                if (value is string text && !StorableText.IsStorable(text))
                    errors[name] = [StorableText.Rule];
            foreach (var (name, values) in http.Request.Headers)
                if (values.Any(v => v is not null && !StorableText.IsStorable(v)))
                    errors[name] = [StorableText.Rule];
            // Every typed query value the handler takes must parse, an empty one included: the generated binding reads an
            // empty value of an optional parameter as absent, where the contract (no allowEmptyValue) refuses it.
            foreach (var parameter in http.Request.Query.Count == 0 ? [] : TypedParameters(http))
                if (!http.Request.RouteValues.ContainsKey(parameter.Name) // bound from the path: a query value of that name is not read
                    && http.Request.Query.TryGetValue(parameter.Name, out var values) && !errors.ContainsKey(parameter.Name)
                    && !Parses(parameter.Type, values.ToString()))
                    errors[parameter.Name] = [parameter.Type == typeof(DateTimeOffset) ? QueryValues.InstantError : $"Must be {parameter.What}."];
            if (errors.Count > 0)
            {
                await Problems.ValidationResult(http, errors).ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    /// <summary>A handler's parameter of a simple type bound from the route or the query (instants take RFC 3339 only).</summary>
    private sealed record TypedParameter(string Name, Type Type, bool Optional, string What);

    /// <summary>The endpoint handler's parameters of the types <see cref="Describe"/> names, read once per handler.</summary>
    private static TypedParameter[] TypedParameters(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>() is { } method ? TypedParametersOf.GetOrAdd(method, Read) : [];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, TypedParameter[]> TypedParametersOf = new();

    private static TypedParameter[] Read(MethodInfo method) =>
    [
        .. from parameter in method.GetParameters()
           let nullable = Nullable.GetUnderlyingType(parameter.ParameterType)
           let type = nullable ?? parameter.ParameterType
           where parameter.Name is not null && Describe(type) is not null
           select new TypedParameter(parameter.Name!, type, nullable is not null || parameter.HasDefaultValue, Describe(type)!),
    ];

    private static void Customize(ProblemDetailsContext c)
    {
        var problem = c.ProblemDetails;
        problem.Extensions["traceId"] = Problems.TraceId(c.HttpContext);
        var kind = problem.Status switch
        {
            401 => Problems.Unauthorized,
            403 => Problems.Forbidden,
            404 => Problems.NotFound,
            405 => Problems.MethodNotAllowed,
            413 => Problems.PayloadTooLarge,
            415 => Problems.UnsupportedMediaType,
            >= 500 => Problems.Internal,
            _ => Problems.Validation,
        };
        problem.Extensions.TryAdd("code", kind.Code);
        if (problem.Type is null or "" || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
        {
            problem.Type = kind.Type;
            problem.Title = kind.Title;
        }
        // The framework's own 400 (a query or route value it could not bind) says nothing about which: name it,
        // as the node's own validation problems do. Never the value: it may be personal data.
        if (problem.Status == 400 && problem is not HttpValidationProblemDetails && !problem.Extensions.ContainsKey("errors")
            && c.Exception is null or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            var errors = BindingErrors(c.HttpContext);
            if (errors.Count > 0)
            {
                problem.Extensions["errors"] = errors;
                problem.Detail = "See 'errors' for every field that is not valid.";
            }
        }
    }

    /// <summary>
    /// Re-reads the handler's simple parameters (query and route) the way minimal APIs bind them and names those that
    /// do not parse or are missing though required.
    /// </summary>
    public static Dictionary<string, string[]> BindingErrors(HttpContext http)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, type, optional, what) in TypedParameters(http))
        {
            var raw = http.Request.RouteValues.TryGetValue(name, out var routed) ? routed?.ToString()
                : http.Request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
            if (raw is null)
            {
                if (!optional)
                    errors[name] = ["Required."];
            }
            else if (!Parses(type, raw))
            {
                errors[name] = [$"Must be {what}."];
            }
        }
        return errors;
    }

    private static string? Describe(Type type) => type switch
    {
        _ when type == typeof(int) => "a whole number (32-bit)",
        _ when type == typeof(long) => "a whole number (64-bit)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(Guid) => "a UUID",
        _ when type == typeof(DateTimeOffset) => "an RFC 3339 date-time",
        _ when type == typeof(DateOnly) => "an RFC 3339 full-date",
        _ => null,
    };

    private static bool Parses(Type type, string raw) => type switch
    {
        _ when type == typeof(int) => int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(long) => long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(bool) => bool.TryParse(raw, out _),
        _ when type == typeof(Guid) => Guid.TryParse(raw, out _),
        _ when type == typeof(DateTimeOffset) => QueryValues.IsRfc3339(raw),
        _ when type == typeof(DateOnly) => DateOnly.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        _ => true,
    };
}
