using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Keys;

/// <summary>
/// Moves every data key still wrapped by an older key-encryption key to the current one (<c>Node:CurrentKeyEncryptionKey</c>),
/// a batch per transaction, rows locked <c>FOR UPDATE SKIP LOCKED</c>: replicas share the work, a restart resumes where
/// the last commit left off, and a key is either old or new, never half. Once no data key names an old key, it says
/// so once: that key can be removed from the configuration.
/// </summary>
public sealed class DataKeyRewrapper(IServiceScopeFactory scopes, NodeKeys keys, ILogger<DataKeyRewrapper> log)
    : NodeWorker(log)
{
    public const int BatchSize = 200;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private bool _announced;

    protected override string Name => "Data key re-wrapping";

    protected override Task RunAsync(CancellationToken ct) => EveryAsync(Interval, TickAsync, ct);

    /// <summary>Re-wraps until no data key names an older key; returns how many it moved.</summary>
    public async Task<int> TickAsync(CancellationToken ct)
    {
        var current = keys.Cipher.CurrentKekId;
        // Only keys this node holds: a batch full of data keys under a key it lacks would come back unchanged forever.
        var held = keys.Cipher.KekIds.Where(k => k != current).ToArray();
        var moved = 0;
        while (!Stopping(ct)) // a stopping node ends between batches
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var batch = await db.Referrals.FromSql($"""
                SELECT * FROM referrals WHERE kek_id = ANY({held}) AND erased_at IS NULL
                ORDER BY kek_id, id LIMIT {BatchSize} FOR UPDATE SKIP LOCKED
                """).ToListAsync(ct);
            foreach (var referral in batch)
            {
                referral.WrappedDataKey = keys.Cipher.Rewrap(referral.WrappedDataKey, referral.Id);
                moved++;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            if (batch.Count < BatchSize)
                break;
        }
        if (moved > 0)
            log.LogInformation("Re-wrapped {Count} data key(s) under key-encryption key {Kek}", moved, current);
        if (!Stopping(ct))
            await AnnounceUnusedAsync(ct);
        return moved;
    }

    /// <summary>The key-encryption keys still named by a data key, with how many.</summary>
    public async Task<Dictionary<string, int>> UsageAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
        return await db.Referrals.AsNoTracking().Where(r => r.ErasedAt == null).GroupBy(r => r.KekId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
    }

    private async Task AnnounceUnusedAsync(CancellationToken ct)
    {
        var usage = await UsageAsync(ct);
        var unknown = usage.Keys.Where(k => !keys.Cipher.Holds(k)).ToList();
        if (unknown.Count > 0)
            log.LogError("Data keys are wrapped by key-encryption key(s) {Keys} this node does not hold: configure them again", unknown);
        if (usage.Keys.All(k => k == keys.Cipher.CurrentKekId) && !_announced)
        {
            _announced = true;
            log.LogInformation("Every data key is wrapped by {Kek}; older key-encryption keys can be removed from the configuration",
                keys.Cipher.CurrentKekId);
        }
    }
}
