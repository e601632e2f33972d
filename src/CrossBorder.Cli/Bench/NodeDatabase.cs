using Npgsql;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// Read-only questions the benchmarks ask a node's database: counts that tell how far delivery got (cheaper than reading
/// each referral), and the ids and states <c>bench faults</c> checks.
/// </summary>
public sealed class NodeDatabase(string connectionString)
{
    /// <summary>Outgoing messages holding the peer's receipt.</summary>
    public Task<long> DeliveredOutgoingAsync(CancellationToken ct) =>
        CountAsync("SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = 'delivered'", ct);

    /// <summary>Outgoing messages not delivered yet (queued or retrying).</summary>
    public Task<long> QueuedOutgoingAsync(CancellationToken ct) =>
        CountAsync("SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = 'queued'", ct);

    /// <summary>
    /// Whether any outgoing message is still undelivered: the first entry of the outbox's partial index, so it costs the
    /// same however large the backlog (a count walks all of it: ~1 ms of PostgreSQL's time per call at 3,000 queued).
    /// The ORDER BY is what makes it read the index: without it the planner, estimating from statistics taken while
    /// much was queued, scans the table from its start, through every delivered row before the queued ones at its end
    /// (measured: 1.5-5 ms a call at 5,000 rows, a quarter of PostgreSQL's statement time during the end-to-end phase).
    /// </summary>
    public async Task<bool> AnyQueuedOutgoingAsync(CancellationToken ct) =>
        await CountAsync("SELECT count(*) FROM (SELECT 1 FROM messages WHERE direction = 'outgoing' AND state = 'queued' ORDER BY id LIMIT 1) q", ct) > 0;

    /// <summary>Referrals received from the peer.</summary>
    public Task<long> IncomingReferralsAsync(CancellationToken ct) =>
        CountAsync("SELECT count(*) FROM referrals WHERE direction = 'incoming'", ct);

    /// <summary>The single number <paramref name="sql"/> returns (a count).</summary>
    public async Task<long> CountAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first column (a uuid) of every row.</summary>
    public async Task<List<Guid>> IdsAsync(string sql, CancellationToken ct)
    {
        var ids = new List<Guid>();
        await ReadAsync(sql, row => ids.Add(row.GetGuid(0)), ct);
        return ids;
    }

    /// <summary>Each row's first column (a uuid) to its second (text).</summary>
    public async Task<Dictionary<Guid, string>> MapAsync(string sql, CancellationToken ct)
    {
        var map = new Dictionary<Guid, string>();
        await ReadAsync(sql, row => map[row.GetGuid(0)] = row.GetString(1), ct);
        return map;
    }

    private async Task ReadAsync(string sql, Action<NpgsqlDataReader> each, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
            each(rows);
    }
}
