using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// Reads the gauges that need the database every <see cref="TelemetryOptions.SampleInterval"/> in one round trip and
/// caches them in <see cref="DatabaseGauges"/>. Every statement but the message count walks an index or a small table;
/// the message count scans <c>messages</c> once per interval (a few thousand rows a year between two countries).
/// Like every worker it never stops the node: a lost database is logged by <see cref="NodeWorker"/> and the last values
/// stay until the next sample.
/// </summary>
public sealed class MetricsSampler(NpgsqlDataSource dataSource, DatabaseGauges gauges, NodeMetrics metrics,
    IOptions<TelemetryOptions> options, IOptions<NodeOptions> node, ILogger<MetricsSampler> log) : NodeWorker(log)
{
    // Outgoing rows are queued (retrying once an attempt failed: last_error is set), delivered or dead_letter; incoming
    // rows are received or conflict, both stored and receipted.
    private const string MessagesSql = """
        SELECT direction, state, last_error IS NOT NULL, count(*) FROM messages GROUP BY 1, 2, 3
        """;

    // The outbox's partial index (ix_messages_outbox) in id order: UUIDv7 ids, so the first is the oldest queued.
    private const string OldestPendingSql = """
        SELECT sent_at FROM messages WHERE direction = 'outgoing' AND state = 'queued' ORDER BY id LIMIT 1
        """;

    private const string AuditPendingSql = "SELECT count(*) FROM audit_pending";

    private const string CheckpointSql = "SELECT signed_at FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1";

    private const string CosignaturesSql = """
        SELECT p, (SELECT c.received_at FROM audit_cosignatures c WHERE c.witness = p ORDER BY c.tree_size DESC LIMIT 1)
        FROM unnest($1) AS p
        """;

    protected override string Name => "Metrics sampler";

    protected override async Task RunAsync(CancellationToken ct)
    {
        metrics.StartSeries(); // registered after OpenTelemetry's hosted service: its meter provider listens by now
        using var timer = new PeriodicTimer(options.Value.SampleInterval);
        do
        {
            gauges.Set(await SampleAsync(ct));
        } while (await timer.WaitForNextTickAsync(Waits));
    }

    public async Task<DatabaseSample> SampleAsync(CancellationToken ct)
    {
        var peers = node.Value.Peers.Select(p => p.Country).ToArray();
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(MessagesSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OldestPendingSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(AuditPendingSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(CheckpointSql));
        var cosignatures = new NpgsqlBatchCommand(CosignaturesSql);
        cosignatures.Parameters.Add(new NpgsqlParameter { Value = peers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        batch.BatchCommands.Add(cosignatures);

        var messages = new Dictionary<(string, string), long>
        {
            [("outbound", "queued")] = 0,
            [("outbound", "retrying")] = 0,
            [("outbound", "delivered")] = 0,
            [("outbound", "dead_letter")] = 0,
            [("inbound", "delivered")] = 0,
        };
        await using var r = await batch.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (Classify(r.GetString(0), r.GetString(1), r.GetBoolean(2)) is { } key)
                messages[key] = messages.GetValueOrDefault(key) + r.GetInt64(3);
        }
        await r.NextResultAsync(ct);
        DateTimeOffset? oldest = await r.ReadAsync(ct) ? r.GetFieldValue<DateTimeOffset>(0) : null;
        await r.NextResultAsync(ct);
        var auditPending = await r.ReadAsync(ct) ? r.GetInt64(0) : 0;
        await r.NextResultAsync(ct);
        DateTimeOffset? checkpoint = await r.ReadAsync(ct) ? r.GetFieldValue<DateTimeOffset>(0) : null;
        await r.NextResultAsync(ct);
        var cosigned = new Dictionary<string, DateTimeOffset?>();
        while (await r.ReadAsync(ct))
            cosigned[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1);
        return new DatabaseSample(messages, oldest, auditPending, checkpoint, cosigned);
    }

    /// <summary>
    /// The metric's direction and state of a stored message. Inbound messages are stored only once accepted and
    /// receipted, so both stored states (<c>received</c>, <c>conflict</c>: a step the case could not take, kept for the
    /// ministry) count as <c>delivered</c>; the transport has nothing queued or dead on the receiving side.
    /// </summary>
    public static (string Direction, string State)? Classify(string direction, string state, bool failedBefore) => (direction, state) switch
    {
        (Directions.Outgoing, MessageStates.Queued) => ("outbound", failedBefore ? "retrying" : "queued"),
        (Directions.Outgoing, MessageStates.Delivered) => ("outbound", "delivered"),
        (Directions.Outgoing, MessageStates.DeadLetter) => ("outbound", "dead_letter"),
        (Directions.Incoming, MessageStates.Received or MessageStates.Conflict) => ("inbound", "delivered"),
        _ => null,
    };
}
