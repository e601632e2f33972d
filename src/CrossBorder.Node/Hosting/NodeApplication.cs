using CrossBorder.Node.Auth;
using CrossBorder.Node.Console;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Audit;
using CrossBorder.Node.Features.Exchange;
using CrossBorder.Node.Features.Feed;
using CrossBorder.Node.Features.Health;
using CrossBorder.Node.Features.Referrals;
using CrossBorder.Node.Hosting.Workers;
using CrossBorder.Node.Operations;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
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
        // A worker's failure is handled inside the worker (NodeWorker); this is the last line: never stop the host.
        services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        services.AddSingleton(_ => DataSource(connectionString));
        services.AddSingleton<WorkSignals>();
        services.AddSingleton<WakeOnCommitInterceptor>();
        services.AddDbContextPool<NodeDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()).UseOpenIddict()
            .AddInterceptors(sp.GetRequiredService<WakeOnCommitInterceptor>(), new NoSavepointsInterceptor()));
        services.AddSingleton<NodeKeys>();
        services.AddNodeAuth(node);
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        services.AddExceptionHandler<IdempotencyConflictHandler>();
        services.AddNodeHttpContract(builder.Configuration);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 2 * 1024 * 1024);
        services.AddNodeRateLimiting(builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new());
        services.AddNodeHealth();
        services.AddNodeOpenApi();
        services.AddNodeAudit();
        services.AddNodeConsole();
        services.AddNodeOperations();

        services.AddScoped<Idempotency>();
        services.AddSingleton<ReferenceNumbers>();
        services.AddScoped<Outbox>();
        services.AddScoped<ReferralReader>();
        services.AddScoped<InboundMessages>();
        services.AddScoped<IncomingReferrals>();
        services.AddScoped<SentMessages>();
        services.AddScoped<Delivery>();
        services.AddScoped<CaseLifecycle>();
        services.AddOptions<DeadlineOptions>().BindConfiguration(DeadlineOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeadlineOptions>, DeadlineOptionsValidator>();
        services.AddHostedService<DeadlineClock>();
        services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<FeedSequencer>();
        services.AddSingleton<PeerTokenCache>();
        services.AddSingleton<PeerHealth>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddHttpClient<PeerClient>().AddResilienceHandler("peer", b =>
        {
            // A peer's 429 is not a failure of the peer: the outbox retries it after its Retry-After, and it
            // neither retries here nor counts toward opening the circuit.
            static ValueTask<bool> PeerFailed(Outcome<HttpResponseMessage> o) => ValueTask.FromResult(
                o.Result?.StatusCode != System.Net.HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(o));
            b.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = a => PeerFailed(a.Outcome),
            });
            b.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                SamplingDuration = TimeSpan.FromSeconds(30),
                MinimumThroughput = 5,
                FailureRatio = 0.5,
                BreakDuration = exchange.BreakDuration,
                ShouldHandle = a => PeerFailed(a.Outcome),
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
        app.MapOperationsApi();
        app.MapNodeConsole();
        return app;
    }

    /// <summary>Applies migrations and makes the token server's clients match the configuration.</summary>
    public static async Task InitializeAsync(this WebApplication app, CancellationToken ct = default)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NodeApplication));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
                // Without the history table EF logs its first lookup as a failed command: create it first, quietly.
                await db.Database.ExecuteSqlRawAsync(
                    db.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
                await db.Database.MigrateAsync(ct); // EF Core takes a database lock: replicas starting together are safe
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockIds.ClientSync})", ct);
                await scope.ServiceProvider.GetRequiredService<ClientRegistrar>().SyncAsync(ct);
                await tx.CommitAsync(ct);
                return;
            }
            catch (Exception e) when (DatabaseUnavailableHandler.IsDatabaseUnavailable(e) && attempt < MaxStartAttempts)
            {
                // A node started while its database restarts waits for it rather than exiting.
                log.LogWarning("Database unavailable at start ({Error}); attempt {Attempt}, retrying", e.GetType().Name, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), ct);
            }
        }
    }

    /// <summary>About ten minutes of waiting for the database at start before giving up.</summary>
    private const int MaxStartAttempts = 130;

    /// <summary>
    /// The node's connection pool. Its statements repeat (the create batch, the claim, the receipt), so they are
    /// prepared on each connection after two uses, unless the connection string says otherwise: PostgreSQL then
    /// skips parsing and planning them on every request.
    /// </summary>
    private static NpgsqlDataSource DataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase) && given.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        return builder.Build();
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
