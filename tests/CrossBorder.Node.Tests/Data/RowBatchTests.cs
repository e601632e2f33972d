using CrossBorder.Node.Data;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// <see cref="RowBatch"/> writes the hot units of work without SaveChanges: the rows must be the ones SaveChanges would
/// have written (every mapped column, read back through EF), and its failures must look the same.
/// </summary>
public sealed class RowBatchTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 9, 15, 30, 123, TimeSpan.Zero);

    [Test]
    public void Model_EveryTypeACreateOrASubmissionWrites_GoesInTheBatch()
    {
        using var db = new DesignTimeFactory().CreateDbContext([]);
        foreach (var type in new[] { typeof(Referral), typeof(ExchangeMessage), typeof(AuditPendingEntry), typeof(ReferralStep), typeof(FeedEvent),
                     typeof(IdempotencyRecord), typeof(DeadlineReminder) })
            Assert.That(RowBatch.Handles(db.Model.FindEntityType(type)!), Is.True, $"{type.Name} would fall back to SaveChanges");
    }

    [Test]
    public async Task SaveAsBatch_EveryMappedColumn_ReadsBackAsWritten()
    {
        await using var db = await MigratedAsync();
        var (referral, feed, key) = CreateUnit();
        db.AddRange(referral, feed, key);

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await db.SaveAsBatchAsync(CancellationToken.None);
            await tx.CommitAsync();
        }

        Assert.That(db.ChangeTracker.Entries().Select(e => e.State), Is.All.EqualTo(EntityState.Unchanged), "the rows count as saved");
        await AssertStoredAsWrittenAsync(db.Database.GetConnectionString()!, referral, feed, key);
    }

    [Test]
    public async Task SaveAsBatch_DuplicateKey_FailsAsSaveChangesDoesAndWritesNothing()
    {
        await using var db = await MigratedAsync();
        var first = NewReferral();
        db.Add(first);
        await db.SaveChangesAsync();

        await using var other = NewContext(db.Database.GetConnectionString()!);
        var again = NewReferral();
        again.Id = first.Id;
        var feed = new FeedEvent { Type = FeedEventTypes.Created, ReferralId = again.Id, Reference = again.Reference, Status = "SUBMITTED", At = At };
        other.AddRange(feed, again);
        await using var tx = await other.Database.BeginTransactionAsync();

        var failure = await AsyncAssert.ThrowsAsync<DbUpdateException>(() => other.SaveAsBatchAsync(CancellationToken.None));

        Assert.That(failure!.InnerException, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.SqlState))
            .EqualTo(PostgresErrorCodes.UniqueViolation));
        await tx.RollbackAsync();
        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Feed.CountAsync(), Is.Zero, "the batch is one statement list in one transaction: nothing of it stays");
    }

    [Test]
    public async Task SaveAsBatch_AChangedRowInTheUnit_UpdatesItsChangedColumns()
    {
        await using var db = await MigratedAsync();
        var referral = NewReferral();
        db.Add(referral);
        await db.SaveChangesAsync();
        referral.Status = "UNDER_EXAMINATION";
        referral.Changed(At.AddMinutes(1));
        db.Add(new FeedEvent { Type = FeedEventTypes.StatusChanged, ReferralId = referral.Id, Reference = referral.Reference, Status = referral.Status, At = At });

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await db.SaveAsBatchAsync(CancellationToken.None);
            await tx.CommitAsync();
        }

        await using var read = NewContext(db.Database.GetConnectionString()!);
        var stored = await read.Referrals.SingleAsync(r => r.Id == referral.Id);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(stored.Status, Is.EqualTo("UNDER_EXAMINATION"), "the update was saved");
            Assert.That(stored.Version, Is.EqualTo(referral.Version));
            Assert.That(await read.Feed.CountAsync(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task SaveAsBatch_RowChangedByAnotherSinceRead_FailsAsSaveChangesDoesAndWritesNothing()
    {
        await using var db = await MigratedAsync();
        var referral = NewReferral();
        db.Add(referral);
        await db.SaveChangesAsync();
        await using (var other = NewContext(db.Database.GetConnectionString()!))
        {
            var theirs = await other.Referrals.SingleAsync(r => r.Id == referral.Id);
            theirs.Changed(At.AddMinutes(5));
            await other.SaveChangesAsync();
        }

        referral.Status = "UNDER_EXAMINATION";
        referral.Changed(At.AddMinutes(1));
        db.Add(new FeedEvent { Type = FeedEventTypes.StatusChanged, ReferralId = referral.Id, Reference = referral.Reference, Status = referral.Status, At = At });
        await using var tx = await db.Database.BeginTransactionAsync();

        await AsyncAssert.ThrowsAsync<DbUpdateConcurrencyException>(() => db.SaveAsBatchAsync(CancellationToken.None));

        await tx.RollbackAsync();
        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Feed.CountAsync(), Is.Zero, "the unit is one transaction: nothing of it stays");
        Assert.That((await read.Referrals.AsNoTracking().SingleAsync(r => r.Id == referral.Id)).Status, Is.EqualTo("SUBMITTED"));
    }

    [Test]
    public async Task SaveAsOwnTransaction_CommitsWithoutATransactionOfTheCaller_AndWakesTheWorkersItsRowsAskedFor()
    {
        await using var db = await MigratedAsync();
        var referral = NewReferral();
        db.AddRange(referral, new FeedEvent { Type = FeedEventTypes.Created, ReferralId = referral.Id, Reference = referral.Reference,
            Status = "SUBMITTED", At = At });
        db.WakeAfterCommit(Work.Outbox);
        var signals = new WorkSignals();

        await db.SaveAsOwnTransactionAsync(signals, lead: null, CancellationToken.None);

        Assert.That(db.ChangeTracker.Entries().Select(e => e.State), Is.All.EqualTo(EntityState.Unchanged), "the rows count as saved");
        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.CountAsync(r => r.Id == referral.Id), Is.EqualTo(1), "committed: another connection sees it");
        Assert.That(await read.Feed.CountAsync(), Is.EqualTo(1));
        Assert.That(await signals.Outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None), Is.True, "the outbox was woken");
        Assert.That(await signals.Feed.WaitAsync(TimeSpan.Zero, CancellationToken.None), Is.False, "only what the rows asked for");
    }

    [Test]
    public async Task SaveAsOwnTransaction_ALaterStatementFails_TheEarlierRowsOfTheBatchRollBackWithIt()
    {
        await using var db = await MigratedAsync();
        var (_, feed) = await StoredReferralWithEventAsync(db);

        // The referral leads the batch, the event comes after it: the event's duplicate id fails the batch after the
        // referral's INSERT has run.
        await using var other = NewContext(db.Database.GetConnectionString()!);
        var second = NewReferral();
        other.AddRange(second, new FeedEvent { Id = feed.Id, Type = FeedEventTypes.Created, ReferralId = second.Id, Reference = second.Reference,
            Status = "SUBMITTED", At = At });
        other.WakeAfterCommit(Work.Outbox);
        var signals = new WorkSignals();

        var failure = await AsyncAssert.ThrowsAsync<DbUpdateException>(() =>
            other.SaveAsOwnTransactionAsync(signals, lead: typeof(Referral), CancellationToken.None));

        // The event's INSERT failed; the referral's, which leads the batch, had run before it.
        Assert.That((failure!.InnerException as PostgresException)?.ConstraintName, Is.EqualTo("PK_feed_events"));
        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.CountAsync(r => r.Id == second.Id), Is.Zero, "one batch, one implicit transaction: nothing of it stays");
        Assert.That(await signals.Outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None), Is.False, "nothing committed, nothing woken");
        Assert.That(other.Database.GetDbConnection().State, Is.EqualTo(System.Data.ConnectionState.Closed), "the connection went back");
    }

    [TestCase(typeof(FeedEvent), "PK_feed_events", false)]
    [TestCase(typeof(Referral), "PK_referrals", false)]
    [TestCase(typeof(FeedEvent), "PK_feed_events", true)]
    [TestCase(typeof(Referral), "PK_referrals", true)]
    public async Task SaveAsOwnTransaction_TheLeadTypesRowsGoFirst(Type lead, string failsAt, bool collected)
    {
        await using var db = await MigratedAsync();
        var (first, feed) = await StoredReferralWithEventAsync(db);

        // Both rows of the unit are taken: whichever INSERT runs first is the one that fails (a create's idempotency key
        // leads so that a used key fails the batch before the referral's row is written). Tracked or collected alike.
        await using var other = NewContext(db.Database.GetConnectionString()!);
        var again = NewReferral();
        again.Id = first.Id;
        using (collected ? other.CollectNewRows() : (IDisposable?)null)
        {
            other.AddRow(again);
            other.AddRow(new FeedEvent { Id = feed.Id, Type = FeedEventTypes.Created, ReferralId = again.Id, Reference = again.Reference,
                Status = "SUBMITTED", At = At });
            Assert.That(other.ChangeTracker.Entries().Count(), Is.EqualTo(collected ? 0 : 2));

            var failure = await AsyncAssert.ThrowsAsync<DbUpdateException>(() => other.SaveAsOwnTransactionAsync(new WorkSignals(), lead, CancellationToken.None));

            Assert.That((failure!.InnerException as PostgresException)?.ConstraintName, Is.EqualTo(failsAt));
        }
    }

    [Test]
    public void Model_EveryTypeACreateWrites_CanBeWrittenUntracked()
    {
        using var db = new DesignTimeFactory().CreateDbContext([]);
        foreach (var type in new[] { typeof(Referral), typeof(ExchangeMessage), typeof(AuditPendingEntry), typeof(ReferralStep), typeof(FeedEvent),
                     typeof(IdempotencyRecord) })
            Assert.That(RowBatch.InsertsUntracked(db.Model.FindEntityType(type)), Is.True, $"{type.Name} would be tracked");
    }

    [Test]
    public async Task CollectedRows_SavedAsOwnTransaction_AreWrittenWithEveryColumn_WithoutBeingTracked()
    {
        await using var db = await MigratedAsync();
        var (referral, feed, key) = CreateUnit();
        using (db.CollectNewRows())
        {
            db.AddRow(referral);
            db.AddRow(feed);
            db.AddRow(key);
            Assert.That(db.ChangeTracker.Entries(), Is.Empty, "collected, not tracked");
            await db.SaveAsOwnTransactionAsync(new WorkSignals(), lead: typeof(IdempotencyRecord), CancellationToken.None);
        }

        Assert.That(db.ChangeTracker.Entries(), Is.Empty, "written without the change tracker");
        await AssertStoredAsWrittenAsync(db.Database.GetConnectionString()!, referral, feed, key);
    }

    [Test]
    public async Task CollectedRows_InAUnitWithoutATransaction_GoThroughSaveChanges()
    {
        await using var db = await MigratedAsync();
        var referral = NewReferral();
        using (db.CollectNewRows())
        {
            db.AddRow(referral);
            await db.SaveAsBatchAsync(CancellationToken.None); // no transaction: SaveChanges writes the unit, collected rows included
        }

        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.CountAsync(r => r.Id == referral.Id), Is.EqualTo(1));
    }

    [Test]
    public async Task CollectedRows_NotWrittenWhenTheCollectionEnds_AreDropped_AndTheContextTracksAgain()
    {
        await using var db = await MigratedAsync();
        var dropped = NewReferral();
        using (db.CollectNewRows())
            db.AddRow(dropped); // the request failed before its save

        var next = NewReferral();
        db.AddRow(next);
        await db.SaveChangesAsync();

        Assert.That(db.Entry(next).State, Is.EqualTo(EntityState.Unchanged), "added outside a collection: tracked and saved");
        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.Select(r => r.Id).ToListAsync(), Is.EqualTo(new[] { next.Id }), "the dropped row was never written");
    }

    [Test]
    public async Task ACollectedRowWithoutItsKey_IsRefused_AndNothingOfItsUnitIsWritten()
    {
        await using var db = await MigratedAsync();
        var referral = NewReferral();
        using (db.CollectNewRows())
        {
            db.AddRow(referral);
            db.AddRow(new FeedEvent { Id = Guid.Empty, Type = FeedEventTypes.Created, ReferralId = referral.Id, Reference = referral.Reference,
                Status = "SUBMITTED", At = At });
            await AsyncAssert.ThrowsAsync<InvalidOperationException>(() => db.SaveAsOwnTransactionAsync(new WorkSignals(), lead: null, CancellationToken.None));
        }

        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.CountAsync(), Is.Zero);
    }

    [Test]
    public async Task CollectedRows_InATransactionalUnitTheBatchCannotWrite_GoThroughSaveChangesWithIt()
    {
        await using var db = await MigratedAsync();
        var (_, stored) = await StoredReferralWithEventAsync(db);
        var referral = NewReferral();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            using (db.CollectNewRows())
            {
                db.AddRow(referral);
                db.Remove(stored); // a deleted row: the batch does not write deletes, SaveChanges writes the unit
                await db.SaveAsBatchAsync(CancellationToken.None);
            }
            await tx.CommitAsync();
        }

        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.CountAsync(r => r.Id == referral.Id), Is.EqualTo(1), "the collected row went with the unit");
        Assert.That(await read.Feed.CountAsync(), Is.Zero, "and so did the delete");
    }

    [Test]
    public async Task StepsOf_SeesTheCasesStepsTrackedAndCollected_AndACollectedStepChangedBeforeTheSaveIsWrittenAsChanged()
    {
        await using var db = await MigratedAsync();
        var (referral, other) = (NewReferral(), NewReferral());
        db.AddRange(referral, other);
        var loaded = NewStep(referral.Id, "loaded");
        db.Add(loaded);
        await db.SaveChangesAsync(); // tracked from here, as a unit's loaded history is

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            using (db.CollectNewRows())
            {
                var held = NewStep(referral.Id, "held");
                db.AddRow(held);
                db.AddRow(NewStep(other.Id, "another case's"));
                Assert.That(db.Steps.Local, Does.Not.Contain(held), "collected, not tracked");
                Assert.That(db.StepsOf(referral.Id).Select(s => s.Step), Is.EquivalentTo(new[] { "loaded", "held" }));

                foreach (var step in db.StepsOf(referral.Id)) // as settling does: the held step applied, the loaded one moved
                    step.State = StepStates.Late;
                await db.SaveAsBatchAsync(CancellationToken.None);
            }
            await tx.CommitAsync();
        }

        await using var read = NewContext(db.Database.GetConnectionString()!);
        Assert.That(await read.Steps.Where(s => s.ReferralId == referral.Id).Select(s => s.State).ToListAsync(),
            Is.EqualTo(new[] { StepStates.Late, StepStates.Late }), "the collected step written with the change made after it was added");
        Assert.That(await read.Steps.CountAsync(s => s.ReferralId == other.Id), Is.EqualTo(1));
    }

    private static ReferralStep NewStep(Guid referralId, string name) => new()
    {
        Id = Guid.CreateVersion7(), ReferralId = referralId, Step = name, TakenBy = "FR", FromStatus = "SUBMITTED", ToStatus = "SUBMITTED",
        At = At, State = StepStates.Held,
    };

    [Test]
    public async Task AUnitHoldingCollectedRows_IsRefusedBySaveChanges_AndACollectionDoesNotNest()
    {
        await using var migrated = await MigratedAsync();
        await using var db = new NodeDbContext(new DbContextOptionsBuilder<NodeDbContext>().UseNpgsql(migrated.Database.GetConnectionString())
            .UseOpenIddict().AddInterceptors(new CollectedRowsGuard()).Options);
        using (db.CollectNewRows())
        {
            db.AddRow(NewReferral());
            Assert.Throws<InvalidOperationException>(() => db.CollectNewRows(), "a second collection would end the first and drop its rows");
            await AsyncAssert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync(), "SaveChanges would commit the unit without its rows");
        }

        await using var read = NewContext(migrated.Database.GetConnectionString()!);
        Assert.That(await read.Referrals.CountAsync(), Is.Zero);
    }

    /// <summary>A create's kind of unit: a referral, its feed event and the idempotency key, every column set.</summary>
    private static (Referral Referral, FeedEvent Event, IdempotencyRecord Key) CreateUnit()
    {
        var referral = NewReferral();
        var feed = new FeedEvent { Type = FeedEventTypes.Created, ReferralId = referral.Id, Reference = referral.Reference, Status = "SUBMITTED",
            MessageId = Guid.CreateVersion7(), Step = "submission", Detail = "a -> b", At = At };
        var key = new IdempotencyRecord { ClientId = "ministry", Key = "k-1", RequestHash = new string('a', 64), StatusCode = 201,
            ResourceId = referral.Id, CreatedAt = At };
        return (referral, feed, key);
    }

    /// <summary>Each row read back through EF on another context: every mapped column as the object holds it.</summary>
    private static async Task AssertStoredAsWrittenAsync(string connectionString, params object[] written)
    {
        await using var read = NewContext(connectionString);
        foreach (var row in written)
        {
            var type = read.Model.FindEntityType(row.GetType())!;
            var keyValues = type.FindPrimaryKey()!.Properties.Select(p => p.GetGetter().GetClrValueUsingContainingEntity(row)).ToArray();
            var stored = await read.FindAsync(row.GetType(), keyValues);
            Assert.That(stored, Is.Not.Null, $"{row.GetType().Name} stored");
            foreach (var property in type.GetProperties())
                Assert.That(read.Entry(stored!).Property(property.Name).CurrentValue, Is.EqualTo(property.GetGetter().GetClrValueUsingContainingEntity(row)),
                    $"{row.GetType().Name}.{property.Name}");
        }
    }

    /// <summary>A referral and its feed event, committed: rows a later unit can collide with.</summary>
    private static async Task<(Referral Referral, FeedEvent Event)> StoredReferralWithEventAsync(NodeDbContext db)
    {
        var referral = NewReferral();
        var feed = new FeedEvent { Type = FeedEventTypes.Created, ReferralId = referral.Id, Reference = referral.Reference, Status = "SUBMITTED", At = At };
        db.AddRange(referral, feed);
        await db.SaveChangesAsync();
        return (referral, feed);
    }

    internal static Referral NewReferral()
    {
        var id = Guid.CreateVersion7();
        return new Referral
        {
            Id = id,
            Reference = $"FR-5-2026-{Random.Shared.Next(1_000_000):D6}",
            CounterpartReference = "GB-REF-1",
            Direction = "outgoing",
            Status = "SUBMITTED",
            LegalBasis = "ARTICLE_8_1",
            RequestingState = "FR",
            RequestedState = "GB",
            Urgent = true,
            ApplicationLodgedOn = new DateOnly(2026, 11, 2),
            CreatedBy = "ministry",
            CreatedAt = At,
            UpdatedAt = At,
            ReplyDueAt = At.AddDays(60),
            LapseDueAt = At.AddDays(61),
            LastOrderAt = At,
            LastPosition = 1,
            LastOutgoingSeq = 1,
            Version = 1,
            KekId = "kek-1",
            DataKey = [1, 2, 3, 4],
            PersonalData = [5, 6, 7],
        };
    }

    internal static async Task<NodeDbContext> MigratedAsync()
    {
        var db = NewContext(await TestDatabase.CreateAsync("added_rows"));
        await db.Database.MigrateAsync();
        return db;
    }

    internal static NodeDbContext NewContext(string connectionString) =>
        new(new DbContextOptionsBuilder<NodeDbContext>().UseNpgsql(connectionString).UseOpenIddict().Options);
}
