using System.Text;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Data;

public sealed class NodeDbContext(DbContextOptions<NodeDbContext> options) : DbContext(options)
{
    public DbSet<Referral> Referrals => Set<Referral>();
    public DbSet<ExchangeMessage> Messages => Set<ExchangeMessage>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<UsedClientAssertion> UsedClientAssertions => Set<UsedClientAssertion>();
    public DbSet<ReferralStep> Steps => Set<ReferralStep>();
    public DbSet<FeedEvent> Feed => Set<FeedEvent>();
    public DbSet<AuditPendingEntry> AuditPending => Set<AuditPendingEntry>();
    public DbSet<AuditLogEntry> AuditEntries => Set<AuditLogEntry>();
    public DbSet<AuditTreeNode> AuditTreeNodes => Set<AuditTreeNode>();
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();
    public DbSet<AuditCosignature> AuditCosignatures => Set<AuditCosignature>();
    public DbSet<AuditWitnessRecord> AuditWitness => Set<AuditWitnessRecord>();

    /// <summary>
    /// Gives new feed events their positions last thing before commit, under a transaction-scoped
    /// advisory lock: writers of feed events commit one at a time, in position order, so the feed has
    /// no gaps and never shows a later position before an earlier one.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default)
    {
        var pending = ChangeTracker.Entries<FeedEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        if (pending.Count == 0)
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);

        var own = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(ct) : null;
        try
        {
            await Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7302)", ct);
            var last = await Feed.MaxAsync(e => (long?)e.Position, ct) ?? 0;
            foreach (var e in pending.OrderBy(e => e.At))
                e.Position = ++last;
            var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
            if (own is not null) await own.CommitAsync(ct);
            return written;
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
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
            e.Property(r => r.Version).IsConcurrencyToken();
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
            // The dispatcher's claim query scans queued outgoing rows by due time.
            e.HasIndex(m => m.NextAttemptAt).HasFilter("state = 'queued'");
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
        });
        b.Entity<FeedEvent>(e =>
        {
            e.ToTable("feed_events");
            e.HasIndex(x => x.Position).IsUnique();
            e.Property(x => x.Type).HasMaxLength(40);
            e.Property(x => x.Reference).HasMaxLength(64);
            e.Property(x => x.Status).HasMaxLength(40);
            e.Property(x => x.Step).HasMaxLength(40);
            e.Property(x => x.Detail).HasMaxLength(200);
            e.HasIndex(x => x.ReferralId);
        });
        b.HasSequence<long>("reference_seq");

        AuditModel.Configure(b);
        UseSnakeCase(b);
    }

    /// <summary>Plain snake_case names, so operators and raw SQL need no quoting.</summary>
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
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
