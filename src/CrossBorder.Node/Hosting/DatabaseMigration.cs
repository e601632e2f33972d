using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Hosting;

/// <summary>Who brings the schema up to date: the value of <c>Database:Migrate</c>.</summary>
public enum MigrateMode
{
    /// <summary><c>true</c> (default): the node applies pending migrations at start (local runs, compose).</summary>
    Apply,

    /// <summary><c>false</c>: the node never migrates; it waits until the schema is current (replicas behind a migrations job).</summary>
    Wait,

    /// <summary><c>only</c>: apply the migrations and exit 0 (the migrations job); needs only the connection string.</summary>
    Only,
}

/// <summary>
/// <c>Database:Migrate</c>. Replicas starting together must not race each other (or an older version still
/// running) into a schema change, so on Kubernetes one Job runs the node with <c>only</c>, under the owner role,
/// and the Deployment's replicas run with <c>false</c> under the application role.
/// </summary>
public static class DatabaseMigration
{
    public const string Setting = "Database:Migrate";

    /// <summary>How often a node with <c>Database:Migrate=false</c> looks again for the schema.</summary>
    internal static readonly TimeSpan SchemaPollInterval = TimeSpan.FromSeconds(2);

    public static MigrateMode ModeOf(IConfiguration configuration) =>
        configuration[Setting]?.Trim().ToLowerInvariant() switch
        {
            null or "" or "true" => MigrateMode.Apply,
            "false" => MigrateMode.Wait,
            "only" => MigrateMode.Only,
            var other => throw new OptionsValidationException(Setting, typeof(MigrateMode),
                [$"{Setting} must be true, false or only (was '{other}')."]),
        };

    /// <summary>Returns once the schema matches this build's migrations, applying them or waiting for them per the mode.</summary>
    public static async Task PrepareAsync(NodeDbContext db, MigrateMode mode, ILogger log, CancellationToken ct)
    {
        if (mode == MigrateMode.Wait)
        {
            await WaitForSchemaAsync(db, log, ct);
            return;
        }
        // Without the history table EF logs its first lookup as a failed command: create it first, quietly.
        await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
        await db.Database.MigrateAsync(ct); // EF Core takes a database lock: replicas starting together are safe
    }

    /// <summary>
    /// <c>Database:Migrate=only</c>: applies the migrations and returns the process exit code; null in every other
    /// mode, when the node should start as usual. Needs nothing but <c>ConnectionStrings:Node</c> (keys, peers and
    /// clients stay out of the migrations job).
    /// </summary>
    public static async Task<int?> RunIfOnlyAsync(string[] args, CancellationToken ct = default)
    {
        var builder = Host.CreateApplicationBuilder(args);
        // The same sources as NodeApplication.Build: appsettings, environment, command line and --config.
        if ((builder.Configuration["config"] ?? Environment.GetEnvironmentVariable("CROSSBORDER_CONFIG")) is { } file)
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        if (ModeOf(builder.Configuration) != MigrateMode.Only)
            return null;
        var connectionString = builder.Configuration.GetConnectionString("Node");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new OptionsValidationException("ConnectionStrings:Node", typeof(MigrateMode), ["ConnectionStrings:Node is required."]);

        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseMigration));
        await using var db = new NodeDbContext(new DbContextOptionsBuilder<NodeDbContext>()
            .UseNpgsql(connectionString).UseOpenIddict()
            .UseLoggerFactory(host.Services.GetRequiredService<ILoggerFactory>()).Options);
        var pending = (await PendingAsync(db, ct)).ToList();
        if (pending.Count > 0)
        {
            log.LogInformation("Applying {Count} migrations: {Migrations}", pending.Count, string.Join(", ", pending));
            await PrepareAsync(db, MigrateMode.Apply, log, ct);
        }
        log.LogInformation("Schema is current ({Migration}); exiting as Database:Migrate=only asks",
            db.Database.GetMigrations().LastOrDefault() ?? "no migrations");
        return 0;
    }

    private static async Task WaitForSchemaAsync(NodeDbContext db, ILogger log, CancellationToken ct)
    {
        for (var round = 0; ; round++)
        {
            var pending = (await PendingAsync(db, ct)).ToList();
            if (pending.Count == 0)
                return;
            // Every 30 s, so a stuck rollout says why in its log.
            if (round % 15 == 0)
                log.LogWarning("Database:Migrate is false and {Count} migrations are not applied (first: {First}); waiting for the migrations job",
                    pending.Count, pending[0]);
            await Task.Delay(SchemaPollInterval, ct);
        }
    }

    /// <summary>
    /// Pending migrations. Whether the history table exists is asked of the catalog: EF's own check runs a query that
    /// fails on a fresh database and logs it as a failed command, which is no failure here.
    /// </summary>
    private static async Task<IEnumerable<string>> PendingAsync(NodeDbContext db, CancellationToken ct)
    {
        var options = RelationalOptionsExtension.Extract(db.GetService<IDbContextOptions>());
        var table = options.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName;
        var qualified = options.MigrationsHistoryTableSchema is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";
        var exists = await db.Database.SqlQuery<bool>($"SELECT to_regclass({qualified}) IS NOT NULL AS \"Value\"").SingleAsync(ct);
        return exists ? await db.Database.GetPendingMigrationsAsync(ct) : db.Database.GetMigrations();
    }
}
