using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// Erases the cases whose retention period (<see cref="RetentionOptions"/>, by legal basis, from the time they closed)
/// has passed. Walks the partial index of closed, unerased cases oldest first; every erasure is its own transaction
/// in <see cref="Erasure"/>, which locks the row, so replicas may run it together and a case is erased once.
/// </summary>
public sealed class RetentionJob(IServiceScopeFactory scopes, Erasure erasure, IOptions<RetentionOptions> options, TimeProvider time,
    ILogger<RetentionJob> log) : NodeWorker(log)
{
    public const int BatchSize = 100;

    protected override string Name => "Retention";

    protected override Task RunAsync(CancellationToken ct) => EveryAsync(options.Value.Interval, TickAsync, ct);

    /// <summary>One pass: every case due now. Returns how many were erased.</summary>
    public async Task<int> TickAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var erased = 0;
        var after = (At: DateTimeOffset.MinValue, Id: Guid.Empty);
        while (!Stopping(ct)) // a stopping node ends between batches
        {
            List<(Guid Id, string LegalBasis, DateTimeOffset ClosedAt)> batch;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
                batch = (await db.Referrals.AsNoTracking()
                        .Where(r => r.ClosedAt != null && r.ErasedAt == null && r.ClosedAt < now)
                        .Where(r => r.ClosedAt > after.At || (r.ClosedAt == after.At && r.Id.CompareTo(after.Id) > 0))
                        .OrderBy(r => r.ClosedAt).ThenBy(r => r.Id).Take(BatchSize)
                        .Select(r => new { r.Id, r.LegalBasis, ClosedAt = r.ClosedAt!.Value }).ToListAsync(ct))
                    .Select(r => (r.Id, r.LegalBasis, r.ClosedAt)).ToList();
            }
            foreach (var (id, basis, closedAt) in batch)
            {
                if (Stopping(ct))
                    break; // stopping: the next pass erases the rest
                if (options.Value.For(basis) is not { } period || period.AddTo(closedAt) > now)
                    continue;
                try
                {
                    if ((await erasure.EraseOnceAsync(id, Erasure.RetentionClient, $"retention {basis} after {closedAt:yyyy-MM-dd}", ct)).ByThisCall)
                        erased++;
                }
                catch (Exception e) when (Erasure.IsInFlight(e))
                {
                    // A message of the case is out with the peer: the next pass erases it.
                }
            }
            if (batch.Count < BatchSize)
                break;
            after = (batch[^1].ClosedAt, batch[^1].Id);
        }
        if (erased > 0)
            log.LogInformation("Retention erased {Count} closed case(s)", erased);
        return erased;
    }
}
