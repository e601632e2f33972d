using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrossBorder.Node.Data;

public sealed class ConsoleAccountConfiguration : IEntityTypeConfiguration<ConsoleAccount>
{
    public void Configure(EntityTypeBuilder<ConsoleAccount> e)
    {
        e.ToTable(ConsoleAccount.Table);
        e.HasIndex(a => a.Name).IsUnique();
        e.Property(a => a.Name).HasMaxLength(ConsoleAccount.NameMaxLength);
        e.Property(a => a.Role).HasMaxLength(16);
        e.Property(a => a.PasswordHash).HasMaxLength(400);
    }
}
