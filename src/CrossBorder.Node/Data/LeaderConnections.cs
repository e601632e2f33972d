using Npgsql;

namespace CrossBorder.Node.Data;

/// <summary>
/// Connections for the workers that lead by a session advisory lock (the feed and audit sequencers): unpooled, so
/// closing one ends its database session and releases the lock for another replica, or for this one's next attempt.
/// A pooled connection would keep its session, and the lock with it, because the node's pool skips the reset of a
/// returned connection (<see cref="DataSetup"/>).
/// </summary>
public sealed class LeaderConnections(string connectionString) : IDisposable
{
    private readonly NpgsqlDataSource _unpooled = new NpgsqlDataSourceBuilder(connectionString)
    {
        ConnectionStringBuilder = { Pooling = false },
    }.Build();

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => _unpooled.OpenConnectionAsync(ct);

    public void Dispose() => _unpooled.Dispose();
}
