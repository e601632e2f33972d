using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrossBorder.Node.Data;

/// <summary>
/// Every write runs in one explicit transaction that commits or rolls back whole, so EF's savepoint around
/// SaveChanges inside it would only add two round trips per write. Set before each save because a pooled
/// context resets the flag when it is returned.
/// </summary>
public sealed class NoSavepointsInterceptor : SaveChangesInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken ct = default)
    {
        if (eventData.Context is { } context) context.Database.AutoSavepointsEnabled = false;
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context) context.Database.AutoSavepointsEnabled = false;
        return result;
    }
}
