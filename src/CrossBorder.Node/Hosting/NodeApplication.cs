using CrossBorder.Node.Auth;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Audit;
using CrossBorder.Node.Features.Exchange;
using CrossBorder.Node.Features.Feed;
using CrossBorder.Node.Features.Health;
using CrossBorder.Node.Features.Referrals;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;

namespace CrossBorder.Node.Hosting;

/// <summary>Builds one node. Program.cs runs it; tests start two of them on real ports.</summary>
public static class NodeApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if ((builder.Configuration["config"] ?? Environment.GetEnvironmentVariable("CROSSBORDER_CONFIG")) is { } file)
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        // Per-request client and resilience chatter is debug material; warnings and errors still show.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        configure?.Invoke(builder);

        var services = builder.Services;
        services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();
        services.AddOptions<ExchangeOptions>().BindConfiguration(ExchangeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var node = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        var exchange = builder.Configuration.GetSection(ExchangeOptions.Section).Get<ExchangeOptions>() ?? new ExchangeOptions();
        var connectionString = builder.Configuration.GetConnectionString("Node");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new OptionsValidationException("ConnectionStrings:Node", typeof(NodeOptions), ["ConnectionStrings:Node is required."]);
        ValidateEarly(node);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddDbContext<NodeDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()).UseOpenIddict());
        services.AddSingleton<NodeKeys>();
        services.AddNodeAuth(node);
        services.AddNodeHttpContract(builder.Configuration);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 2 * 1024 * 1024);
        services.AddNodeRateLimiting(builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new());
        services.AddNodeHealth();
        services.AddNodeOpenApi();
        services.AddNodeAudit();

        services.AddScoped<Idempotency>();
        services.AddScoped<OutgoingMessages>();
        services.AddScoped<ReferralReader>();
        services.AddScoped<InboundMessages>();
        services.AddScoped<IncomingReferrals>();
        services.AddScoped<ReceiptRecorder>();
        services.AddScoped<CaseLifecycle>();
        services.AddOptions<DeadlineOptions>().BindConfiguration(DeadlineOptions.Section);
        services.AddHostedService<DeadlineClock>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<PeerTokenCache>();
        services.AddHostedService<OutboxListener>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddHttpClient<PeerClient>().AddResilienceHandler("peer", b =>
        {
            b.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            });
            b.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                SamplingDuration = TimeSpan.FromSeconds(30),
                MinimumThroughput = 5,
                FailureRatio = 0.5,
                BreakDuration = exchange.BreakDuration,
            });
            b.AddTimeout(exchange.AttemptTimeout);
        });

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusFor });
        app.UseStatusCodePages();
        app.UseNodeHttpContract();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseNodeInputRules();
        app.UseNodeOpenApi();
        app.MapTokenEndpoint();
        app.MapHealth();
        app.MapReferralsApi();
        app.MapExchangeApi();
        app.MapAuditApi();
        app.MapFeedApi();
        return app;
    }

    /// <summary>Applies migrations and makes the token server's clients match the configuration.</summary>
    public static async Task InitializeAsync(this WebApplication app, CancellationToken ct = default)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
        await db.Database.MigrateAsync(ct); // EF Core takes a database lock: replicas starting together are safe
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7301)", ct); // one replica syncs clients at a time
        await scope.ServiceProvider.GetRequiredService<ClientRegistrar>().SyncAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static int StatusFor(Exception e) => e switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Fails before anything is wired when the options cannot even be loaded.</summary>
    private static void ValidateEarly(NodeOptions node)
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var ok = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(node,
            new System.ComponentModel.DataAnnotations.ValidationContext(node), results, validateAllProperties: true);
        var cross = new NodeOptionsValidator().Validate(null, node);
        var errors = results.Select(r => $"Node:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
        if (cross.Failed) errors.AddRange(cross.Failures);
        if (!ok || errors.Count > 0)
            throw new OptionsValidationException(NodeOptions.Section, typeof(NodeOptions), errors);
    }
}
