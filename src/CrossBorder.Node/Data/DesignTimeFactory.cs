using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CrossBorder.Node.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a configured node.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<NodeDbContext>
{
    public NodeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<NodeDbContext>().UseNpgsql("Host=localhost;Database=design").UseOpenIddict().Options);
}
