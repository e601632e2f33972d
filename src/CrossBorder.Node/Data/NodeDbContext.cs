using System.Text;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Data;

public sealed class NodeDbContext(DbContextOptions<NodeDbContext> options) : DbContext(options)
{
    public DbSet<Referral> Referrals => Set<Referral>();
    public DbSet<ExchangeMessage> Messages => Set<ExchangeMessage>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Referral>(e =>
        {
            e.ToTable("referrals");
            e.HasIndex(r => r.Reference).IsUnique();
            e.HasIndex(r => new { r.Direction, r.Status });
            e.HasIndex(r => r.UpdatedAt);
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
        b.HasSequence<long>("reference_seq");

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
