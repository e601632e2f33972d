using CrossBorder.Node.Attachments;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Contract;
using CrossBorder.Node.Health;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Feed;
using CrossBorder.Node.Http;
using CrossBorder.Node.Identity;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Referrals;
using CrossBorder.Node.Workers;
using CrossBorder.Node.Telemetry;
using CrossBorder.Node.Evidence;
using CrossBorder.Node.Console;
using CrossBorder.Node.Operations;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
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
        // Levels are in appsettings.json (EF Core's SQL commands at Warning). In production the console carries one JSON
        // object a line for a log collector, with the trace id from the scopes; elsewhere one readable line an entry.
        if (builder.Environment.IsProduction())
            builder.Logging.AddJsonConsole(o => (o.IncludeScopes, o.UseUtcTimestamp, o.TimestampFormat) = (true, true, "yyyy-MM-ddTHH:mm:ss.fffZ"));
        else
            builder.Logging.AddSimpleConsole(o => (o.SingleLine, o.TimestampFormat) = (true, "HH:mm:ss "));
        configure?.Invoke(builder);

        var services = builder.Services;
        services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();
        var node = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        var exchange = builder.Configuration.GetSection(ExchangeOptions.Section).Get<ExchangeOptions>() ?? new ExchangeOptions();
        var connectionString = builder.Configuration.GetConnectionString("Node");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new OptionsValidationException("ConnectionStrings:Node", typeof(NodeOptions), ["ConnectionStrings:Node is required."]);
        ValidateEarly(node);

        services.TryAddSingleton(TimeProvider.System);
        // A worker's failure is handled inside the worker (NodeWorker); this is the last line: never stop the host.
        services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);

        // One line per room (docs/architecture.md), kernel first.
        services.AddNodeData(connectionString);
        services.AddSingleton<NodeKeys>();
        services.AddHostedService<DataKeyRewrapper>();
        services.AddSingleton<NodeActivity>();
        services.AddHostedService<IdleMemoryTrim>();
        services.AddNodeHttpContract(builder.Configuration);
        services.AddNodeAuth(node);
        services.AddNodeHealth();
        services.AddNodeOpenApi();
        services.AddNodeAudit();
        services.AddPeers(exchange.BreakDuration, exchange.AttemptTimeout);
        services.AddExchange();
        services.AddFeed();
        services.AddDeadlines();
        services.AddReferrals();
        services.AddAttachments();
        services.AddNodeEvidence();
        builder.AddNodeTelemetry();
        services.AddNodeConsole();
        services.AddNodeOperations();

        var app = builder.Build();
        var activity = app.Services.GetRequiredService<NodeActivity>();
        app.UseUnitsRunToTheEnd(); // first: no statement of a request is cancelled because its caller left (Http/UnitsRunToTheEnd)
        app.Use((http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"))
                activity.RequestArrived();
            return next(http);
        });
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusFor });
        app.UseDepartedCallersEndQuietly();
        app.UseStatusCodePages();
        app.UseNodeHttpContract();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseNodeInputRules();
        app.UseWriteLimiter();
        app.UseNodeOpenApi();
        app.MapTokenEndpoint();
        app.MapHealth();
        app.MapReferralsApi();
        app.MapAttachments();
        app.MapExchangeApi();
        app.MapAuditApi();
        app.MapEvidenceApi();
        app.MapFeedApi();
        app.MapOperationsApi();
        app.MapNodeConsole();
        return app;
    }

    /// <summary>Applies migrations and makes the token server's clients match the configuration.</summary>
    public static async Task InitializeAsync(this WebApplication app, CancellationToken ct = default)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NodeApplication));
        if (app.Services.GetRequiredService<IOptions<NodeOptions>>().Value.TokenSigningKey is null)
            log.LogWarning("Node:TokenSigningKey is not configured: the evidence key also signs access tokens. Configure a key of its own.");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
                await DatabaseMigration.PrepareAsync(db, DatabaseMigration.ModeOf(app.Configuration), log, ct);
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
