using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// A connection whose open transaction has inserted the node's ministry client's idempotency key, uncommitted: a create
/// with that key waits on the key's index entry until the transaction ends.
/// </summary>
internal sealed class KeyHolder(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlTransaction Transaction => transaction;

    public static async Task<KeyHolder> HoldAsync(TestNode node, string key)
    {
        var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var taken = new NpgsqlCommand("""
                INSERT INTO idempotency_keys (client_id, key, request_hash, status_code, resource_id, created_at)
                VALUES ($1, $2, $3, 201, $4, now())
                """, connection, transaction)
            { Parameters = { new() { Value = node.MinistryClientId }, new() { Value = key }, new() { Value = new string('0', 64) },
                new() { Value = Guid.CreateVersion7() } } })
            await taken.ExecuteNonQueryAsync();
        return new KeyHolder(connection, transaction);
    }

    /// <summary>Statements on <paramref name="node"/>'s database waiting for a lock on an idempotency key.</summary>
    public static Task<long> WaitersAsync(TestNode node) => Db.LockWaitersAsync(node.ConnectionString, "idempotency_keys");

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
