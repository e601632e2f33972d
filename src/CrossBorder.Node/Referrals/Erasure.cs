using Npgsql;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// Crypto-shredding of one case through the database function <c>erase_referral</c> (migration
/// RetentionAndKeyRotation), which the operator's <c>crossborder referrals erase</c> calls too: the data key, the
/// personal data and the message texts go; metadata, digests, receipts and the audit log stay; an audit entry
/// <c>referral.erased</c> names who and why. Idempotent and safe with several replicas (the row is locked first).
/// </summary>
public sealed class Erasure(NpgsqlDataSource dataSource)
{
    public const string RetentionClient = "retention";

    /// <summary>
    /// The SQLSTATE (<c>object_in_use</c>) <c>erase_referral</c> raises while a message of the case is out with the peer:
    /// erasing then would let it arrive after the erasure. Nothing changed; erase again once the send ends.
    /// </summary>
    public const string InFlightSqlState = "55006";

    public static bool IsInFlight(Exception e) => e is PostgresException { SqlState: InFlightSqlState };

    /// <returns>When the case was erased (now, or earlier); null when this node holds no such case.</returns>
    public async Task<DateTimeOffset?> EraseAsync(Guid referralId, string client, string reason, CancellationToken ct) =>
        (await EraseOnceAsync(referralId, client, reason, ct)).At;

    /// <returns>
    /// When the case was erased (null: no such case), and whether this call erased it: false when it was erased before,
    /// or by a replica that got the row first, so replicas running together count each erasure once.
    /// </returns>
    public async Task<(DateTimeOffset? At, bool ByThisCall)> EraseOnceAsync(Guid referralId, string client, string reason,
        CancellationToken ct)
    {
        var auditId = Guid.CreateVersion7();
        // One batch is one implicit transaction: the second statement sees the audit entry only if this call wrote it.
        await using var batch = dataSource.CreateBatch();
        var erase = new NpgsqlBatchCommand("SELECT erase_referral($1, $2, $3, $4)");
        erase.Parameters.Add(new NpgsqlParameter { Value = referralId });
        erase.Parameters.Add(new NpgsqlParameter { Value = auditId });
        erase.Parameters.Add(new NpgsqlParameter { Value = client });
        erase.Parameters.Add(new NpgsqlParameter { Value = reason });
        var wrote = new NpgsqlBatchCommand("SELECT EXISTS (SELECT 1 FROM audit_pending WHERE id = $1)");
        wrote.Parameters.Add(new NpgsqlParameter { Value = auditId });
        batch.BatchCommands.Add(erase);
        batch.BatchCommands.Add(wrote);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        DateTimeOffset? at = reader.IsDBNull(0) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return (at, reader.GetBoolean(0));
    }
}
