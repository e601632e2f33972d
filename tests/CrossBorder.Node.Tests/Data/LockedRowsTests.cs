using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// <see cref="NodeDbContext.LockReferralAsync"/> loads the locked row without EF's query pipeline (<see cref="LockedRows"/>):
/// it must come back as a tracking query would bring it, so what the caller changes, and only that, is saved.
/// </summary>
public sealed class LockedRowsTests
{
    [Test]
    public async Task LockReferral_EveryMappedColumn_ReadsBackAsWritten()
    {
        await using var db = await RowBatchTests.MigratedAsync();
        var written = RowBatchTests.NewReferral();
        db.Add(written);
        await db.SaveChangesAsync();

        await using var other = RowBatchTests.NewContext(db.Database.GetConnectionString()!);
        await using var tx = await other.Database.BeginTransactionAsync();
        var locked = await other.LockReferralAsync(written.Id, CancellationToken.None);

        Assert.That(locked, Is.Not.Null);
        var expected = db.Entry(written);
        var actual = other.Entry(locked!);
        Assert.That(actual.State, Is.EqualTo(EntityState.Unchanged), "tracked as loaded");
        foreach (var property in expected.Metadata.GetProperties())
            Assert.That(actual.Property(property.Name).CurrentValue, Is.EqualTo(expected.Property(property.Name).CurrentValue), property.Name);
        Assert.That(await other.LockReferralAsync(Guid.CreateVersion7(), CancellationToken.None), Is.Null, "no such row");
    }

    [Test]
    public async Task LockReferral_ThenChangeAndSaveAsBatch_SavesOnlyTheChangeAndChecksTheVersion()
    {
        await using var db = await RowBatchTests.MigratedAsync();
        var written = RowBatchTests.NewReferral();
        db.Add(written);
        await db.SaveChangesAsync();

        await using var other = RowBatchTests.NewContext(db.Database.GetConnectionString()!);
        await using (var tx = await other.Database.BeginTransactionAsync())
        {
            var locked = (await other.LockReferralAsync(written.Id, CancellationToken.None))!;
            Assert.That(await other.LockReferralAsync(written.Id, CancellationToken.None), Is.SameAs(locked),
                "a row already tracked is the instance returned, as a tracking query returns it");
            locked.Status = "UNDER_EXAMINATION";
            locked.Changed(locked.UpdatedAt.AddMinutes(1));
            Assert.That(other.Entry(locked).Properties.Where(p => p.IsModified).Select(p => p.Metadata.Name),
                Is.EquivalentTo(new[] { "Status", "UpdatedAt", "Version" }));
            await other.SaveAsBatchAsync(CancellationToken.None);
            await tx.CommitAsync();
        }

        // The first context still holds version 1: its update must fail on the concurrency token.
        written.Status = "CLOSED";
        await AsyncAssert.ThrowsAsync<DbUpdateConcurrencyException>(() => db.SaveChangesAsync());
        await using var read = RowBatchTests.NewContext(db.Database.GetConnectionString()!);
        var stored = await read.Referrals.AsNoTracking().SingleAsync(r => r.Id == written.Id);
        Assert.Multiple(() =>
        {
            Assert.That(stored.Status, Is.EqualTo("UNDER_EXAMINATION"));
            Assert.That(stored.Version, Is.EqualTo(2));
            Assert.That(stored.PersonalData, Is.EqualTo(written.PersonalData), "columns not changed stay as they were");
        });
    }
}
