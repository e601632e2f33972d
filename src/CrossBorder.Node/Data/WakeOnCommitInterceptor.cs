using System.Data.Common;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrossBorder.Node.Data;

/// <summary>
/// Wakes this replica's workers once the transaction that queued their work has committed (never before:
/// a worker woken early would find nothing visible). Code that queues work says so with
/// <see cref="NodeDbContext.WakeAfterCommit"/>; this only delivers the wake-up.
/// </summary>
public sealed class WakeOnCommitInterceptor(WorkSignals signals) : DbTransactionInterceptor, ISaveChangesInterceptor
{
    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken ct = default)
    {
        Deliver(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        Deliver(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken ct = default)
    {
        if (eventData.Context is NodeDbContext db) db.TakePendingWork();
        return Task.CompletedTask;
    }

    /// <summary>SaveChanges outside an explicit transaction commits by itself.</summary>
    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        if (eventData.Context?.Database.CurrentTransaction is null)
            Deliver(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Deliver(Microsoft.EntityFrameworkCore.DbContext? context)
    {
        if (context is NodeDbContext db && db.TakePendingWork() is var work and not Work.None)
            signals.Wake(work);
    }
}
