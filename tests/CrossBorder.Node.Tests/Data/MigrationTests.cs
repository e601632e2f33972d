using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Tests.Data;

public sealed class MigrationTests
{
    [Test]
    public void Model_ComparedWithMigrations_NoPendingChanges()
    {
        using var db = new DesignTimeFactory().CreateDbContext([]);
        Assert.That(db.Database.HasPendingModelChanges(), Is.False,
            "the model changed without a migration: dotnet dotnet-ef migrations add <Name> -p src/CrossBorder.Node -o Data/Migrations");
    }
}
