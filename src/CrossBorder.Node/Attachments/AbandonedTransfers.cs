using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Attachments;

/// <summary>
/// Removes a peer's transfers that stopped and were never named by a message: rows in state <c>receiving</c> whose last
/// range is older than <see cref="AttachmentOptions.AbandonedAfter"/>, with their chunks (the foreign key cascades).
/// Each pass is one statement per batch that claims with <c>FOR UPDATE SKIP LOCKED</c>, so replicas run it together,
/// a range being stored (which holds the row) is never waited for, and a row is removed once. A transfer that resumes
/// before that age continues where it stopped; one that resumes after it starts again from its first byte.
/// </summary>
public sealed class AbandonedTransfers(NpgsqlDataSource dataSource, IOptions<AttachmentOptions> options, ILogger<AbandonedTransfers> log)
    : NodeWorker(log)
{
    public const int BatchSize = 100;

    protected override string Name => "Abandoned transfers";

    protected override Task RunAsync(CancellationToken ct) => EveryAsync(options.Value.AbandonedCheckEvery, TickAsync, ct);

    /// <summary>One pass; returns how many transfers it removed.</summary>
    public async Task<int> TickAsync(CancellationToken ct)
    {
        var removed = 0;
        while (!Stopping(ct)) // a stopping node ends between batches
        {
            // The database's clock, as for last_range_at itself: replicas' clocks do not matter.
            await using var command = dataSource.CreateCommand($"""
                DELETE FROM attachments WHERE id IN (
                    SELECT id FROM attachments
                    WHERE state = '{AttachmentStates.Receiving}' AND coalesce(last_range_at, created_at) < clock_timestamp() - $1
                    ORDER BY last_range_at LIMIT $2
                    FOR UPDATE SKIP LOCKED)
                AND state = '{AttachmentStates.Receiving}'
                RETURNING id, referral_id, received_bytes
                """);
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.Value.AbandonedAfter });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
            var batch = 0;
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    batch++;
                    log.LogInformation("Abandoned transfer of attachment {AttachmentId} of referral {ReferralId} removed ({Received} bytes had arrived)",
                        reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2));
                }
            }
            removed += batch;
            if (batch < BatchSize)
                break;
        }
        return removed;
    }
}
