using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrossBorder.Node.Data;

public sealed class NodeDbContext(DbContextOptions<NodeDbContext> options) : DbContext(options)
{
    public DbSet<Referral> Referrals => Set<Referral>();
    public DbSet<ExchangeMessage> Messages => Set<ExchangeMessage>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<UsedClientAssertion> UsedClientAssertions => Set<UsedClientAssertion>();
    public DbSet<ReferralStep> Steps => Set<ReferralStep>();
    public DbSet<FeedEvent> Feed => Set<FeedEvent>();
    public DbSet<DeadlineReminder> Reminders => Set<DeadlineReminder>();
    public DbSet<AuditPendingEntry> AuditPending => Set<AuditPendingEntry>();
    public DbSet<AuditLogEntry> AuditEntries => Set<AuditLogEntry>();
    public DbSet<AuditTreeNode> AuditTreeNodes => Set<AuditTreeNode>();
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();
    public DbSet<AuditCosignature> AuditCosignatures => Set<AuditCosignature>();
    public DbSet<AuditWitnessRecord> AuditWitness => Set<AuditWitnessRecord>();
    public DbSet<ConsoleAccount> ConsoleAccounts => Set<ConsoleAccount>();
    public DbSet<Attachment> Attachments => Set<Attachment>();
    public DbSet<AttachmentChunk> AttachmentChunks => Set<AttachmentChunk>();

    /// <summary>Reference numbers come from this sequence in blocks, handed out in memory (<c>Referrals/ReferenceNumbers</c>).</summary>
    public const string ReferenceSequence = "reference_seq";

    public const int ReferenceBlockSize = 50;

    private Work _pendingWork;

    /// <summary>
    /// Asks for this replica's <paramref name="work"/> workers to be woken once the current transaction commits
    /// (<see cref="WakeOnCommitInterceptor"/>). Nothing else happens at commit: every row a request writes is
    /// added by the request's own code.
    /// </summary>
    public void WakeAfterCommit(Work work) => _pendingWork |= work;

    private List<object>? _newRows;

    /// <summary>
    /// From here until the unit is saved by <see cref="RowBatch"/>, rows added with <see cref="AddRow"/> are kept in a
    /// plain list, not tracked: the hot units' new rows (a create's, a step's, a peer's message's, a receipt's) are
    /// written once, so the change tracker's work for them (identity map, snapshots, graph walk, accepting) would be
    /// thrown away. A collected row is not in <c>DbSet.Local</c>: the one new row a unit reads back, its case's steps,
    /// is read through <see cref="StepsOf"/>, which sees both.
    /// </summary>
    internal NewRowsScope CollectNewRows()
    {
        if (_newRows is not null)
            throw new InvalidOperationException("This unit collects its new rows already.");
        _newRows = [];
        return new NewRowsScope(this);
    }

    /// <summary>
    /// SaveChanges does not write collected rows: a unit that collects is saved by <see cref="RowBatch"/>, which hands
    /// them to SaveChanges itself where it must. Saving such a unit any other way is a mistake, refused
    /// (<see cref="CollectedRowsGuard"/>) rather than committed without its rows.
    /// </summary>
    internal void RefuseCollectedRows()
    {
        if (_newRows is { Count: > 0 })
            throw new InvalidOperationException("This unit collected new rows: save it with RowBatch, which writes them.");
    }

    /// <summary>Ends the collection: rows not written by then (the request failed first) are dropped, never left for the context's next user.</summary>
    internal readonly struct NewRowsScope(NodeDbContext db) : IDisposable
    {
        public void Dispose() => db._newRows = null;
    }

    /// <summary>
    /// The unit's steps of one referral: those tracked (loaded, or added outside a collection) and those collected new.
    /// A collected step changed before the save is written as it is then (its INSERT reads the object at the save).
    /// </summary>
    public IEnumerable<ReferralStep> StepsOf(Guid referralId)
    {
        var tracked = Steps.Local.Where(s => s.ReferralId == referralId);
        return _newRows is { } rows ? tracked.Concat(rows.OfType<ReferralStep>().Where(s => s.ReferralId == referralId)) : tracked;
    }

    /// <summary>Adds a new row to the unit of work: collected for the batch (<see cref="CollectNewRows"/>) or tracked as added.</summary>
    public void AddRow(object row)
    {
        if (_newRows is { } rows && RowBatch.InsertsUntracked(Model.FindEntityType(row.GetType())))
            rows.Add(row);
        else
            Add(row);
    }

    /// <summary>The collected new rows, handed over once (to the batch that writes them, or discarded); the collection ends.</summary>
    internal List<object> TakeNewRows()
    {
        var rows = _newRows ?? [];
        _newRows = null;
        return rows;
    }

    internal Work TakePendingWork()
    {
        var work = _pendingWork;
        _pendingWork = Work.None;
        return work;
    }

    /// <summary>
    /// The referral, tracked, its row locked FOR UPDATE until the transaction ends (every path that locks takes the
    /// referral row first); null when there is none.
    /// </summary>
    public Task<Referral?> LockReferralAsync(Guid id, CancellationToken ct) =>
        this.SingleTrackedAsync<Referral>("SELECT * FROM referrals WHERE id = $1 FOR UPDATE", new NpgsqlParameter<Guid> { TypedValue = id }, ct);

    /// <summary>
    /// Rolls back the unit's transaction, if one is open, for a refusal that writes on a connection of its own (a security
    /// event, dropping a refused transfer): a unit never waits for a second pooled connection while it holds one, since
    /// with every connection of the pool held so, none would come before the pool's timeout.
    /// </summary>
    public async Task RollBackBeforeOwnConnectionAsync(CancellationToken ct)
    {
        if (Database.CurrentTransaction is { } open)
            await open.RollbackAsync(ct);
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Referral>(e =>
        {
            e.ToTable("referrals");
            e.HasIndex(r => r.Reference).IsUnique();
            e.HasIndex(r => new { r.Direction, r.Status });
            e.HasIndex(r => r.UpdatedAt);
            e.HasIndex(r => r.NextDueAt);
            // The deadline clock walks lapses and reminders by these, with a cursor.
            e.HasIndex(r => new { r.LapseDueAt, r.Id }).HasFilter("lapse_due_at IS NOT NULL");
            e.HasIndex(r => new { r.InformationDueAt, r.Id }).HasFilter("status = 'INFORMATION_REQUESTED'");
            e.Property(r => r.Version).IsConcurrencyToken();
            e.Ignore(r => r.WrappedDataKey);
            e.Property(r => r.KekId).HasMaxLength(32);
            // The retention job walks closed cases not yet erased.
            e.HasIndex(r => r.ClosedAt).HasFilter("closed_at IS NOT NULL AND erased_at IS NULL").HasDatabaseName("ix_referrals_retention");
            // The re-wrapping job walks data keys still wrapped by an older key-encryption key.
            e.HasIndex(r => new { r.KekId, r.Id });
            foreach (var p in new[] { nameof(Referral.Reference), nameof(Referral.CounterpartReference), nameof(Referral.CreatedBy) })
                e.Property(p).HasMaxLength(64);
            foreach (var p in new[] { nameof(Referral.Direction), nameof(Referral.Status), nameof(Referral.LegalBasis) })
                e.Property(p).HasMaxLength(40);
            e.Property(r => r.RequestingState).HasMaxLength(2);
            e.Property(r => r.RequestedState).HasMaxLength(2);
        });
        b.Entity<ExchangeMessage>(e =>
        {
            e.ToTable("messages");
            e.HasIndex(m => new { m.ReferralId, m.Direction, m.Seq }).IsUnique();
            // The outbox: queued outgoing rows, oldest first. The claim walks this index and stops after its batch, so
            // its cost does not grow with a backlog (sorting every queued row by due time on each claim did).
            e.HasIndex(m => m.Id).HasFilter("direction = 'outgoing' AND state = 'queued'").HasDatabaseName("ix_messages_outbox");
            e.Property(m => m.Type).HasMaxLength(64);
            e.Property(m => m.Direction).HasMaxLength(16);
            e.Property(m => m.State).HasMaxLength(16);
            e.Property(m => m.FromCountry).HasMaxLength(2);
            e.Property(m => m.ToCountry).HasMaxLength(2);
            e.Property(m => m.Digest).HasMaxLength(64);
            e.Property(m => m.LastError).HasMaxLength(500);
        });
        b.Entity<IdempotencyRecord>(e =>
        {
            e.ToTable("idempotency_keys");
            e.HasKey(r => new { r.ClientId, r.Key });
            e.Property(r => r.ClientId).HasMaxLength(100);
            e.Property(r => r.Key).HasMaxLength(255);
            e.Property(r => r.RequestHash).HasMaxLength(64);
        });
        b.Entity<UsedClientAssertion>(e =>
        {
            e.ToTable("used_client_assertions");
            e.HasKey(a => new { a.ClientId, a.Jti });
            e.Property(a => a.ClientId).HasMaxLength(100);
            e.Property(a => a.Jti).HasMaxLength(128);
            e.HasIndex(a => a.ExpiresAt);
        });
        b.Entity<ReferralStep>(e =>
        {
            e.ToTable("referral_steps");
            e.HasIndex(x => new { x.ReferralId, x.At });
            e.Property(x => x.Step).HasMaxLength(40);
            e.Property(x => x.Outcome).HasMaxLength(20);
            e.Property(x => x.TakenBy).HasMaxLength(8);
            e.Property(x => x.FromStatus).HasMaxLength(40);
            e.Property(x => x.ToStatus).HasMaxLength(40);
            e.Property(x => x.State).HasMaxLength(16);
        });
        b.Entity<DeadlineReminder>(e =>
        {
            e.ToTable("deadline_reminders");
            e.HasKey(x => new { x.ReferralId, x.Deadline, x.DueAt });
            e.Property(x => x.Deadline).HasMaxLength(40);
        });
        b.Entity<FeedEvent>(e =>
        {
            e.ToTable("feed_events");
            e.HasIndex(x => x.Position).IsUnique();
            // The feed sequencer's queue: committed events still waiting for a position.
            e.HasIndex(x => new { x.At, x.Id }).HasFilter("position IS NULL").HasDatabaseName("ix_feed_events_unsequenced");
            e.Property(x => x.Type).HasMaxLength(40);
            e.Property(x => x.Reference).HasMaxLength(64);
            e.Property(x => x.Status).HasMaxLength(40);
            e.Property(x => x.Step).HasMaxLength(40);
            e.Property(x => x.Detail).HasMaxLength(200);
            e.HasIndex(x => x.ReferralId);
        });
        b.Entity<Attachment>(e =>
        {
            e.ToTable("attachments");
            e.HasOne<Referral>().WithMany().HasForeignKey(a => a.ReferralId);
            e.HasIndex(a => new { a.ReferralId, a.Id });
            e.HasIndex(a => a.MessageId);
            // Only transfers in progress: the sweep of abandoned ones (Attachments/AbandonedTransfers) walks this.
            e.HasIndex(a => a.LastRangeAt).HasFilter("state = 'receiving'").HasDatabaseName("ix_attachments_receiving");
            e.Property(a => a.Origin).HasMaxLength(8);
            e.Property(a => a.State).HasMaxLength(16);
            e.Property(a => a.MediaType).HasMaxLength(32);
            e.Property(a => a.Sha256).HasMaxLength(64);
            e.Property(a => a.CreatedBy).HasMaxLength(100);
        });
        b.Entity<AttachmentChunk>(e =>
        {
            e.ToTable("attachment_chunks");
            e.HasKey(c => new { c.AttachmentId, c.ChunkIndex });
            // Deferred in the migration: an upload writes its chunks before the attachment row, which it adds at the end
            // with the referral row locked (so a long upload never holds a lock on the case).
            e.HasOne<Attachment>().WithMany().HasForeignKey(c => c.AttachmentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.HasSequence<long>(ReferenceSequence).IncrementsBy(ReferenceBlockSize);

        AuditModel.Configure(b);
        b.ApplyConfiguration(new ConsoleAccountConfiguration());
        UseSnakeCase(b);
    }

    /// <summary>
    /// Plain snake_case table and column names, so operators and raw SQL need no quoting. Hand-written rather than
    /// EFCore.NamingConventions: that package also renames every key, foreign key and index (a migration rewriting 34
    /// primary keys, 6 foreign keys and 44 indexes of the evidence store) and puts OpenIddict's tables back in PascalCase.
    /// </summary>
    private static void UseSnakeCase(ModelBuilder b)
    {
        foreach (var entity in b.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && table.Any(char.IsUpper))
                entity.SetTableName(Snake(table));
            foreach (var property in entity.GetProperties())
                property.SetColumnName(Snake(property.Name));
        }
    }

    private static string Snake(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
