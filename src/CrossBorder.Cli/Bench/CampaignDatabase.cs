using System.Globalization;
using Npgsql;

namespace CrossBorder.Cli.Bench;

/// <summary>Read-only questions <c>bench faults</c> asks a node's database after the campaign.</summary>
public sealed class CampaignDatabase(string connectionString)
{
    public async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public async Task<List<Guid>> IdsAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var rows = await command.ExecuteReaderAsync(ct);
        var ids = new List<Guid>();
        while (await rows.ReadAsync(ct))
            ids.Add(rows.GetGuid(0));
        return ids;
    }

    /// <summary>Each row's first column (a uuid) to its second (text).</summary>
    public async Task<Dictionary<Guid, string>> MapAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var rows = await command.ExecuteReaderAsync(ct);
        var map = new Dictionary<Guid, string>();
        while (await rows.ReadAsync(ct))
            map[rows.GetGuid(0)] = rows.GetString(1);
        return map;
    }
}
