using Npgsql;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>Direct SQL on a node's database, for what the API does not show (leases, tokens, counts).</summary>
internal static class Db
{
    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    public static async Task<int> ExecuteAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        return await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<List<string?>> ColumnAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<string?>();
        while (await reader.ReadAsync()) values.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0)));
        return values;
    }

    /// <summary>Statements on this database waiting for a lock whose text names <paramref name="names"/> (a table, a function).</summary>
    public static Task<long> LockWaitersAsync(string connectionString, string names) => CountAsync(connectionString, $"""
        SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%{names}%'
        """);

    /// <summary>Outgoing messages of the node in <paramref name="state"/>.</summary>
    public static Task<long> OutgoingAsync(string connectionString, string state) =>
        CountAsync(connectionString, $"SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = '{state}'");

    /// <summary>Asserts the node's change feed is numbered 1..n with no gap and nothing left unnumbered once it settles.</summary>
    /// <remarks>
    /// The counts come from one statement, one snapshot: events still arriving (a receipt, an inbound message) can
    /// neither slip in between a "nothing unnumbered" check and the counts nor make a settled feed look gapped.
    /// </remarks>
    public static async Task AssertFeedGapFreeAsync(string connectionString)
    {
        var settled = await Infrastructure.NodePair.EventuallyAsync(() => ColumnAsync(connectionString, """
                SELECT concat_ws(',', count(*) FILTER (WHERE position IS NULL), count(*), coalesce(max(position), 0),
                                      count(DISTINCT position))
                FROM feed_events
                """),
            row => row.Single()!.StartsWith("0,", StringComparison.Ordinal), because: "the feed sequencer numbers every committed event");
        var counts = settled.Single()!.Split(',').Select(long.Parse).ToArray();
        var (total, max, distinct) = (counts[1], counts[2], counts[3]);
        Assert.That((max, distinct), Is.EqualTo((total, total)), "feed positions are exactly 1..n");
        // Events of one referral appear in the order they happened.
        var outOfOrder = await CountAsync(connectionString, """
            SELECT count(*) FROM (
              SELECT at < lag(at) OVER (PARTITION BY referral_id ORDER BY position) AS backwards FROM feed_events WHERE position IS NOT NULL) x
            WHERE backwards
            """);
        Assert.That(outOfOrder, Is.Zero, "a referral's events are numbered in the order they happened");
    }
}
