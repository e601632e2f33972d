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

    /// <summary>
    /// Only the latest migration's designer keeps its target model (for <c>migrations remove</c>); older ones are trimmed,
    /// so the schema is not written out once per migration. Applying the trimmed migrations builds the same schema
    /// (compared with pg_dump when they were trimmed); every test database is built from them.
    /// </summary>
    [Test]
    public void MigrationDesigners_OlderThanTheLatest_CarryNoTargetModel()
    {
        var folder = Path.Combine(Contract.OpenApiDocumentTests.RepositoryRoot(), "src", "CrossBorder.Node", "Data", "Migrations");
        var designers = Directory.GetFiles(folder, "*.Designer.cs").Order(StringComparer.Ordinal).ToList();
        var full = designers.SkipLast(1).Where(f => File.ReadAllText(f).Contains("modelBuilder.", StringComparison.Ordinal))
            .Select(Path.GetFileName).ToList();
        Assert.That(full, Is.Empty, "run tools/trim-migration-designers.py after adding a migration");
    }
}
