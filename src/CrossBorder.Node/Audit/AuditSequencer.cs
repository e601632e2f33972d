using CrossBorder.Core.Exchange;
using System.Numerics;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Audit;

/// <summary>
/// The single writer of the log (docs/design.md "The audit log"). One replica at a time holds a session advisory
/// lock on its own connection and is the leader; the others wait. Each round, in one transaction, the leader
/// takes the pending entries that are visible (their business transactions have committed: a fresh snapshot
/// sees nothing else), orders them by their UUIDv7 id, gives them the next contiguous indexes, stores their
/// leaf bytes, leaf hashes and every complete subtree hash that fills up, and signs a checkpoint when the
/// log grew. After commit it asks the peer to cosign (<see cref="AuditWitnessClient"/>).
/// </summary>
public sealed class AuditSequencer(LeaderConnections leaders, NodeKeys keys, IOptions<NodeOptions> node,
    IOptions<AuditOptions> options, TimeProvider time, AuditWitnessClient witness, NodeActivity activity, ILogger<AuditSequencer> log)
    : NodeWorker(log)
{
    protected override string Name => "Audit sequencer";

    protected override async Task RunAsync(CancellationToken ct)
    {
        await using var leader = await leaders.OpenAsync(ct); // unpooled: closing it releases the lock
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockIds.AuditSequencer})", leader))
        {
            if (!(bool)(await lockCmd.ExecuteScalarAsync(ct))!)
            {
                await Task.Delay(options.Value.CheckpointInterval, time, Waits);
                return;
            }
        }
        // Leader until the connection closes (which releases the lock). A failed round ends here; NodeWorker logs
        // it and starts again from what is committed.
        while (!Waits.IsCancellationRequested) // a stopping node ends between rounds, a backlog or not
        {
            var round = await SequenceAsync(leader, ct);
            if (round.Sequenced > 0)
                activity.AuditSequenced(round.Sequenced); // work, as a request is: the idle trim waits for it
            if (round.Checkpoint is not null || round.Sequenced == 0)
                await witness.SendLatestAsync(ct);
            if (round.Sequenced < options.Value.BatchSize)
                await Task.Delay(options.Value.CheckpointInterval, time, Waits);
        }
    }

    /// <summary>One round on the leader's connection: sequence one batch, then checkpoint if the log grew.</summary>
    public async Task<SequencerRound> SequenceAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        long size;
        await using (var cmd = new NpgsqlCommand("SELECT coalesce(max(log_index) + 1, 0) FROM audit_entries", connection, tx))
            size = (long)(await cmd.ExecuteScalarAsync(ct))!;

        var pending = await TakePendingAsync(connection, tx, ct);
        var frontier = await LoadFrontierAsync(connection, tx, size, ct);
        if (pending.Count > 0)
        {
            await using var entries = await connection.BeginBinaryImportAsync(
                "COPY audit_entries (log_index, recorded_at, kind, client_id, referral_id, message_id, leaf, leaf_hash) FROM STDIN (FORMAT BINARY)", ct);
            var nodes = new List<(int Level, long Position, byte[] Hash)>();
            foreach (var p in pending)
            {
                var entry = p with { Index = size };
                var leaf = entry.ToLeaf();
                var hash = MerkleHash.Leaf(leaf);
                await entries.StartRowAsync(ct);
                await entries.WriteAsync(size, NpgsqlDbType.Bigint, ct);
                await entries.WriteAsync(entry.Time, NpgsqlDbType.TimestampTz, ct);
                await entries.WriteAsync(entry.Kind, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(entries, entry.Client, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(entries, entry.ReferralId, NpgsqlDbType.Uuid, ct);
                await WriteNullableAsync(entries, entry.MessageId, NpgsqlDbType.Uuid, ct);
                await entries.WriteAsync(leaf, NpgsqlDbType.Bytea, ct);
                await entries.WriteAsync(hash, NpgsqlDbType.Bytea, ct);
                Append(frontier, size, hash, nodes);
                size++;
            }
            await entries.CompleteAsync(ct);
            await entries.CloseAsync(ct);

            await using var tree = await connection.BeginBinaryImportAsync(
                "COPY audit_tree_nodes (level, position, hash) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var (level, position, hash) in nodes)
                await tree.WriteRowAsync(ct, level, position, hash);
            await tree.CompleteAsync(ct);
            await tree.CloseAsync(ct);
        }

        string? checkpoint = null;
        var caughtUp = pending.Count < options.Value.BatchSize;
        var last = await LastCheckpointAsync(connection, tx, ct);
        var now = time.GetUtcNow();
        if (size > (last?.Size ?? 0) && (caughtUp || last is null || now - last.Value.At >= options.Value.CheckpointInterval))
        {
            var root = Root(frontier);
            var signedAt = now.TruncateToMilliseconds();
            checkpoint = new Checkpoint(Checkpoint.OriginOf(node.Value.Country), size, root, signedAt).Sign(keys.Signing);
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, jws) VALUES ($1, $2, $3, $4)", connection, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = size });
            cmd.Parameters.Add(new NpgsqlParameter { Value = root });
            cmd.Parameters.Add(new NpgsqlParameter { Value = signedAt });
            cmd.Parameters.Add(new NpgsqlParameter { Value = checkpoint });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new SequencerRound(pending.Count, size, checkpoint);
    }

    private async Task<List<AuditEntry>> TakePendingAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var rows = new List<AuditEntry>();
        var ids = new List<Guid>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT id, recorded_at, kind, client_id, referral_id, message_id, message_type, peer, digest, receipt_digest, code, purpose, detail
            FROM audit_pending ORDER BY id LIMIT $1
            """, connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = options.Value.BatchSize });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
                Guid? G(int i) => r.IsDBNull(i) ? null : r.GetGuid(i);
                ids.Add(r.GetGuid(0));
                rows.Add(new AuditEntry(-1, r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), S(3), G(4), G(5), S(6), S(7), S(8), S(9),
                    S(10), S(11), S(12)));
            }
        }
        if (ids.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM audit_pending WHERE id = ANY($1)", connection, tx);
            delete.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            await delete.ExecuteNonQueryAsync(ct);
        }
        return rows;
    }

    /// <summary>The complete subtrees of a log of <paramref name="size"/> leaves, largest first, as (level, hash).</summary>
    private static async Task<List<(int Level, byte[] Hash)>> LoadFrontierAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        long size, CancellationToken ct)
    {
        var frontier = new List<(int Level, byte[] Hash)>();
        long start = 0;
        for (var level = 62; level >= 0; level--)
        {
            if ((size & (1L << level)) == 0) continue;
            var sql = level == 0
                ? "SELECT leaf_hash FROM audit_entries WHERE log_index = $1"
                : "SELECT hash FROM audit_tree_nodes WHERE level = $2 AND position = $1";
            await using var cmd = new NpgsqlCommand(sql, connection, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = start >> level });
            if (level > 0) cmd.Parameters.Add(new NpgsqlParameter { Value = level });
            var hash = await cmd.ExecuteScalarAsync(ct) as byte[]
                ?? throw new InvalidOperationException($"The audit tree is missing the subtree at level {level}, position {start >> level}.");
            frontier.Add((level, hash));
            start += 1L << level;
        }
        return frontier;
    }

    /// <summary>Appends leaf <paramref name="index"/>; every subtree it completes is recorded for storage.</summary>
    private static void Append(List<(int Level, byte[] Hash)> frontier, long index, byte[] leafHash, List<(int, long, byte[])> completed)
    {
        var node = (Level: 0, Hash: leafHash);
        while (frontier.Count > 0 && frontier[^1].Level == node.Level)
        {
            node = (node.Level + 1, MerkleHash.Node(frontier[^1].Hash, node.Hash));
            frontier.RemoveAt(frontier.Count - 1);
            completed.Add((node.Level, index >> node.Level, node.Hash));
        }
        frontier.Add(node);
    }

    private static byte[] Root(List<(int Level, byte[] Hash)> frontier)
    {
        if (frontier.Count == 0) return MerkleHash.EmptyRoot;
        var root = frontier[^1].Hash;
        for (var i = frontier.Count - 2; i >= 0; i--)
            root = MerkleHash.Node(frontier[i].Hash, root);
        return root;
    }

    private static async Task<(long Size, DateTimeOffset At)?> LastCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT tree_size, signed_at FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1", connection, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? importer.WriteNullAsync(ct) : importer.WriteAsync(value, type, ct);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, Guid? value, NpgsqlDbType type, CancellationToken ct) =>
        value is { } v ? importer.WriteAsync(v, type, ct) : importer.WriteNullAsync(ct);
}

public sealed record SequencerRound(int Sequenced, long TreeSize, string? Checkpoint);
