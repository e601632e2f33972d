using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Bench.Baseline;

public sealed class BaselineDbContext(DbContextOptions<BaselineDbContext> options) : DbContext(options)
{
    public const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS baseline_referrals (
            id uuid PRIMARY KEY,
            body jsonb NOT NULL,
            created_at timestamptz NOT NULL)
        """;

    public DbSet<BaselineReferral> Referrals => Set<BaselineReferral>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var referral = modelBuilder.Entity<BaselineReferral>();
        referral.ToTable("baseline_referrals");
        referral.Property(r => r.Id).HasColumnName("id");
        referral.Property(r => r.Body).HasColumnName("body").HasColumnType("jsonb");
        referral.Property(r => r.CreatedAt).HasColumnName("created_at");
    }
}
