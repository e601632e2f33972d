using Npgsql;

namespace CrossBorder.Node.Data;

/// <summary>
/// Connections for the workers that lead by a session advisory lock (the feed and audit sequencers): unpooled, so
/// closing one ends its database session and releases the lock for another replica, or for this one's next attempt.
/// A pooled connection would keep its session, and the lock with it, because the node's pool skips the reset of a
/// returned connection (<see cref="DataSetup"/>).
/// A leader holds its connection for as long as it leads and runs the same few statements on it round after round, so
/// they are prepared there as on the pool: unprepared, PostgreSQL planned the feed sequencer's statement anew each round
/// (measured with pg_stat_statements: about 0.3 ms of planning per round under load, more than the round itself).
/// </summary>
public sealed class LeaderConnections : IDisposable
{
    private readonly NpgsqlDataSource _unpooled;

    public LeaderConnections(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { Pooling = false } };
        DataSetup.AutoPrepare(builder.ConnectionStringBuilder, connectionString, 16);
        _unpooled = builder.Build();
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => _unpooled.OpenConnectionAsync(ct);

    public void Dispose() => _unpooled.Dispose();
}
