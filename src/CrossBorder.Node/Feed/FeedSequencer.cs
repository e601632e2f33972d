using System.Diagnostics;
using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Feed;

/// <summary>
/// Numbers the change feed after commit, as the audit sequencer numbers the log: one replica at a time (a
/// session advisory lock on its own connection) takes the committed events that have no position yet, in
/// the order they happened, and gives them the next contiguous positions in one statement. Writers never
/// wait on each other for the feed, and readers (who only see numbered events) get a gap-free, ordered,
/// resumable feed.
/// </summary>
public sealed class FeedSequencer(LeaderConnections leaders, WorkSignals signals, IOptions<FeedOptions> options,
    ILogger<FeedSequencer> log) : NodeWorker(log)
{
    private const string SequenceSql = """
        WITH base AS (SELECT coalesce(max(position), 0) AS last FROM feed_events),
             next AS (SELECT id, row_number() OVER (ORDER BY at, id) AS n
                      FROM feed_events WHERE position IS NULL ORDER BY at, id LIMIT $1)
        UPDATE feed_events f SET position = base.last + next.n
        FROM next, base WHERE f.id = next.id
        """;

    protected override string Name => "Feed sequencer";

    protected override async Task RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        await using var leader = await leaders.OpenAsync(ct); // unpooled: closing it releases the lock
        while (!await TryLeadAsync(leader, ct))
            await signals.Feed.WaitAsync(o.StandbyInterval, Waits);
        // Leader until this connection closes, which releases the lock for another replica.
        while (!Waits.IsCancellationRequested) // a stopping node ends between rounds, a backlog or not
        {
            var round = Stopwatch.GetTimestamp();
            if (await SequenceAsync(leader, o.BatchSize, ct) < o.BatchSize)
                await signals.Feed.WaitSpacedAsync(o.PollInterval, round, o.MinRoundInterval, Waits);
        }
    }

    /// <summary>One batch on the leader's connection; returns how many events got a position.</summary>
    public static async Task<int> SequenceAsync(NpgsqlConnection connection, int batchSize, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SequenceSql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = batchSize });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> TryLeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockIds.FeedSequencer})", connection);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
