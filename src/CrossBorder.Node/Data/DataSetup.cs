using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Data;

public static class DataSetup
{
    /// <summary>The connection pool, the pooled DbContext and its interceptors (wake-ups, no savepoints, no collected row left unsaved).</summary>
    public static IServiceCollection AddNodeData(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => DataSource(connectionString));
        services.AddSingleton<WorkSignals>();
        services.AddSingleton<WakeOnCommitInterceptor>();
        services.AddDbContextPool<NodeDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()).UseOpenIddict()
            .AddInterceptors(sp.GetRequiredService<WakeOnCommitInterceptor>(), new NoSavepointsInterceptor(), new CollectedRowsGuard()));
        return services;
    }

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
}
