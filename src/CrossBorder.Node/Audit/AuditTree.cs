using System.Numerics;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Audit;

/// <summary>
/// Reads the stored tree: roots and proofs over any size from O(log n) stored complete-subtree hashes
/// (<c>audit_tree_nodes</c>, and leaf hashes for level 0), with one round trip per computation.
/// </summary>
public sealed class AuditTree(NpgsqlDataSource dataSource)
{
    private static readonly byte[] Placeholder = new byte[32];

    /// <summary>The number of sequenced entries.</summary>
    public async Task<long> SizeAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT coalesce(max(log_index) + 1, 0) FROM audit_entries");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Runs <paramref name="compute"/> (a <c>MerkleTree</c> call over a subtree provider) twice: first to learn
    /// which complete subtrees it needs, then with them loaded in one query.
    /// </summary>
    public async Task<T> ComputeAsync<T>(Func<Func<long, long, byte[]>, T> compute, CancellationToken ct)
    {
        var needed = new HashSet<(int Level, long Position)>();
        compute((start, end) =>
        {
            var level = BitOperations.Log2((ulong)(end - start));
            needed.Add((level, start >> level));
            return Placeholder;
        });
        var hashes = await LoadAsync(needed, ct);
        return compute((start, end) =>
        {
            var level = BitOperations.Log2((ulong)(end - start));
            return hashes.TryGetValue((level, start >> level), out var h)
                ? h
                : throw new InvalidOperationException($"The audit tree has no stored hash for level {level} position {start >> level}.");
        });
    }

    private async Task<Dictionary<(int, long), byte[]>> LoadAsync(HashSet<(int Level, long Position)> needed, CancellationToken ct)
    {
        var result = new Dictionary<(int, long), byte[]>();
        if (needed.Count == 0) return result;
        await using var cmd = dataSource.CreateCommand("""
            SELECT 0, log_index, leaf_hash FROM audit_entries WHERE log_index = ANY($1)
            UNION ALL
            SELECT n.level, n.position, n.hash FROM audit_tree_nodes n
            JOIN unnest($2, $3) AS want(level, position) ON n.level = want.level AND n.position = want.position
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = needed.Where(n => n.Level == 0).Select(n => n.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = needed.Where(n => n.Level > 0).Select(n => n.Level).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = needed.Where(n => n.Level > 0).Select(n => n.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result[(reader.GetInt32(0), reader.GetInt64(1))] = (byte[])reader[2];
        return result;
    }
}
