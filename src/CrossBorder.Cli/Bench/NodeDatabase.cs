using Npgsql;

namespace CrossBorder.Cli.Bench;

/// <summary>Counts in a node's database that tell how far delivery got (cheaper than reading each referral).</summary>
public sealed class NodeDatabase(string connectionString)
{
    /// <summary>Outgoing messages holding the peer's receipt.</summary>
    public Task<long> DeliveredOutgoingAsync(CancellationToken ct) =>
        CountAsync("SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = 'delivered'", ct);

    /// <summary>Outgoing messages not delivered yet (queued or retrying).</summary>
    public Task<long> QueuedOutgoingAsync(CancellationToken ct) =>
        CountAsync("SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = 'queued'", ct);

    /// <summary>Referrals received from the peer.</summary>
    public Task<long> IncomingReferralsAsync(CancellationToken ct) =>
        CountAsync("SELECT count(*) FROM referrals WHERE direction = 'incoming'", ct);

    private async Task<long> CountAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
