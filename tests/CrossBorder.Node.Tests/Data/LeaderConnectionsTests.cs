using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// The node's pool does not reset a returned connection (its reset statements were work for nothing), so a session
/// advisory lock would outlive the close of a pooled connection; the sequencers lead on unpooled connections, whose
/// close ends the session and releases the lock.
/// </summary>
public sealed class LeaderConnectionsTests
{
    private const long LockId = 4_242_424_242;

    [Test]
    public async Task ALeadersLock_IsReleasedWhenItsConnectionCloses()
    {
        await using var services = Services(await TestDatabase.CreateAsync("leaders"));
        var leaders = services.GetRequiredService<LeaderConnections>();
        await using (var leader = await leaders.OpenAsync(CancellationToken.None))
            Assert.That(await TryLockAsync(leader), Is.True);

        // Another session (the pool's own connection: a session of the leaders' pool could be the leader's own, which
        // would take the lock again whether or not it was released).
        await using var other = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.That(await TryLockAsync(other), Is.True, "the closed leader's session ended, and its lock with it");
    }

    [Test]
    public async Task ThePool_KeepsAReturnedConnectionsSession_SoASessionLockWouldOutliveItsClose()
    {
        await using var services = Services(await TestDatabase.CreateAsync("leaders"));
        var pool = services.GetRequiredService<NpgsqlDataSource>();
        await using (var pooled = await pool.OpenConnectionAsync())
            Assert.That(await TryLockAsync(pooled), Is.True);

        await using var leader = await services.GetRequiredService<LeaderConnections>().OpenAsync(CancellationToken.None);
        Assert.That(await TryLockAsync(leader), Is.False,
            "no reset on return: the pooled session still holds the lock (why the sequencers do not lead on pooled connections)");
    }

    [Test]
    public async Task ALeadersRepeatedStatement_IsPreparedOnItsConnection()
    {
        await using var services = Services(await TestDatabase.CreateAsync("leaders"));
        await using var leader = await services.GetRequiredService<LeaderConnections>().OpenAsync(CancellationToken.None);
        for (var round = 0; round < 3; round++)
        {
            await using var cmd = new NpgsqlCommand("SELECT $1::int + 1", leader) { Parameters = { new NpgsqlParameter { Value = round } } };
            Assert.That(await cmd.ExecuteScalarAsync(), Is.EqualTo(round + 1));
        }

        // Prepared, PostgreSQL plans it once for the session instead of on every round (a sequencer's rounds repeat).
        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%$1::int + 1%'", leader);
        Assert.That(await prepared.ExecuteScalarAsync(), Is.EqualTo(1L));
    }

    private static ServiceProvider Services(string connectionString) => new ServiceCollection().AddNodeData(connectionString).BuildServiceProvider();

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection)
    {
        await using var cmd = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockId})", connection);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }
}
