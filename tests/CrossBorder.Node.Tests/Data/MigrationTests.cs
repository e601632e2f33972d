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

    /// <summary>
    /// Only the latest migration keeps its designer (the model after it, for <c>migrations remove</c>); older ones are
    /// folded into their migration (<c>tools/trim-migration-designers.py</c>), so the schema is not written out once per
    /// migration. A database migrated with the folded files and one migrated with the full ones gave the same
    /// <c>pg_dump --schema-only</c>; every test database is built from them.
    /// </summary>
    [Test]
    public void Migrations_OnlyTheLatestKeepsItsDesigner()
    {
        var folder = Path.Combine(Contract.OpenApiDocumentTests.RepositoryRoot(), "src", "CrossBorder.Node", "Data", "Migrations");
        var migrations = Directory.GetFiles(folder, "2*.cs").Where(f => !f.EndsWith(".Designer.cs", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(Path.GetFileName).ToList();
        var designers = Directory.GetFiles(folder, "*.Designer.cs").Select(Path.GetFileName).ToList();
        Assert.That(designers, Is.EqualTo(new[] { migrations[^1]!.Replace(".cs", ".Designer.cs", StringComparison.Ordinal) }),
            "run python3 tools/trim-migration-designers.py after adding a migration");
    }
}
