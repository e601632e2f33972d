using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrossBorder.Node.Data;

/// <summary>
/// Refuses a SaveChanges of a unit that still holds collected new rows (<see cref="NodeDbContext.CollectNewRows"/>):
/// SaveChanges would commit the unit without them. It only checks; nothing is written here.
/// </summary>
public sealed class CollectedRowsGuard : SaveChangesInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken ct = default)
    {
        (eventData.Context as NodeDbContext)?.RefuseCollectedRows();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        (eventData.Context as NodeDbContext)?.RefuseCollectedRows();
        return result;
    }
}
