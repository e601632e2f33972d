using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Data;

public static class DataSetup
{
    /// <summary>The connection pool (and its one-connection side pool), the pooled DbContext and its interceptors (wake-ups, no savepoints, no collected row left unsaved).</summary>
    public static IServiceCollection AddNodeData(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => DataSource(connectionString));
        services.AddKeyedSingleton(SidePool, (_, _) => SideDataSource(connectionString));
        services.AddSingleton(_ => new LeaderConnections(connectionString));
        services.AddSingleton<WorkSignals>();
        services.AddSingleton<WakeOnCommitInterceptor>();
        services.AddDbContextPool<NodeDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()).UseOpenIddict()
            .AddInterceptors(sp.GetRequiredService<WakeOnCommitInterceptor>(), new NoSavepointsInterceptor(), new CollectedRowsGuard()));
        return services;
    }

    /// <summary>
    /// The key of a pool of its own, of one connection, for a statement run while the caller may hold one of the main
    /// pool's connections in a transaction (a reference block's refill inside a peer's submission). Taken from the main
    /// pool, that statement could wait for a connection held by a transaction that waits for it: with the pool's
    /// connections all held that way (Max Pool Size 8, a peer's backlog), GB's deliveries failed after the connection
    /// timeout, one after another, and FR's outbox stopped draining.
    /// </summary>
    public const string SidePool = "side";

    private static NpgsqlDataSource SideDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 1 } };
        AutoPrepare(builder.ConnectionStringBuilder, connectionString, 4);
        return builder.Build();
    }

    /// <summary>
    /// The node's connection pool, unless the connection string says otherwise:
    /// <list type="bullet">
    /// <item>Its statements repeat (the create batch, the claim, the receipt), so they are prepared on each connection
    /// after two uses: PostgreSQL then skips parsing and planning them on every request.</item>
    /// <item>A returned connection is not reset (<c>No Reset On Close</c>): the node leaves no session state on a pooled
    /// connection (no <c>SET</c>, <c>LISTEN</c>, temporary table or cursor; its advisory locks are transaction-scoped, and
    /// the sequencers' session locks live on <see cref="LeaderConnections"/>), so the reset's statements (with prepared
    /// statements, seven per use of a connection) were work for nothing on both sides. Measured: docs/architecture.md.</item>
    /// </list>
    /// </summary>
    private static NpgsqlDataSource DataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        AutoPrepare(builder.ConnectionStringBuilder, connectionString, 64);
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder.Build();
    }

    /// <summary>
    /// Statements used twice on a connection are prepared on it (at most <paramref name="statements"/> per connection),
    /// unless the connection string (parsed into <paramref name="settings"/>) already says how: the text is searched too,
    /// because an explicit <c>Max Auto Prepare=0</c> reads the same as no setting.
    /// </summary>
    internal static void AutoPrepare(NpgsqlConnectionStringBuilder settings, string connectionString, int statements)
    {
        if (settings.MaxAutoPrepare != 0 || connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
            return;
        settings.MaxAutoPrepare = statements;
        settings.AutoPrepareMinUsages = 2;
    }
}
