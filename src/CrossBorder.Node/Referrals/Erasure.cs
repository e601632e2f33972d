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

    /// <returns>When the case was erased (now, or earlier); null when this node holds no such case.</returns>
    public async Task<DateTimeOffset?> EraseAsync(Guid referralId, string client, string reason, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT erase_referral($1, $2, $3, $4)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = referralId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = client });
        cmd.Parameters.Add(new NpgsqlParameter { Value = reason });
        return await cmd.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }
}
