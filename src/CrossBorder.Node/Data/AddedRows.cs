using System.Collections.Concurrent;
using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CrossBorder.Node.Data;

/// <summary>
/// Saves a unit of work made only of new rows (a ministry's create, a peer's submission) as one batch of plain INSERTs
/// in the caller's transaction, then marks the rows saved. The tables, columns and parameter types are the EF model's,
/// read once per entity type; what is skipped is SaveChanges' per-call work (ordering the commands, generating their
/// SQL, propagating results), which cost the node more CPU than PostgreSQL spent on these rows (issue 9's profile).
/// A unit with anything else in it (a changed or deleted row), or outside a transaction, goes through SaveChanges.
/// Errors surface as SaveChanges' do: a <see cref="DbUpdateException"/> around the database's exception.
/// </summary>
public static class AddedRows
{
    private static readonly ConcurrentDictionary<IEntityType, InsertPlan?> Plans = new();

    /// <summary>Whether new rows of <paramref name="type"/> go in the batch (otherwise their unit goes through SaveChanges).</summary>
    public static bool Handles(IEntityType type) => Plans.GetOrAdd(type, InsertPlan.For) is not null;

    public static async Task SaveNewRowsAsync(this DbContext db, CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        var entries = db.ChangeTracker.Entries().ToList();
        var plans = new InsertPlan[entries.Count];
        var tx = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        for (var i = 0; i < entries.Count && tx is not null; i++)
        {
            if (entries[i].State != EntityState.Added || Plans.GetOrAdd(entries[i].Metadata, InsertPlan.For) is not { } plan)
            {
                tx = null;
                break;
            }
            plans[i] = plan;
        }
        if (tx is null || entries.Count == 0)
        {
            await db.SaveChangesAsync(ct);
            return;
        }

        await using var batch = new NpgsqlBatch(tx.Connection, tx);
        // Principals before dependents, as SaveChanges orders them; otherwise in the order the rows were added.
        foreach (var i in Enumerable.Range(0, entries.Count).OrderBy(i => plans[i].Depth))
            batch.BatchCommands.Add(plans[i].Command(entries[i]));
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e)
        {
            throw new DbUpdateException("An error occurred while saving the new rows. See the inner exception for details.", e);
        }
        db.ChangeTracker.AcceptAllChanges();
    }

    /// <summary>The INSERT of one entity type: its table, its columns and how each value becomes a parameter.</summary>
    private sealed class InsertPlan
    {
        // RelationalTypeMapping makes parameters through a DbCommand; this one only lends its factory.
        private static readonly NpgsqlCommand ParameterFactory = new();

        private readonly string _sql;
        private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _columns;

        private InsertPlan(string sql, (IProperty, RelationalTypeMapping)[] columns, int depth)
        {
            _sql = sql;
            _columns = columns;
            Depth = depth;
        }

        public int Depth { get; }

        /// <summary>Null for a type this writer does not handle (a value the database generates, an owned or mapped-to-many type).</summary>
        public static InsertPlan? For(IEntityType type)
        {
            if (type.GetTableName() is not { } table || type.BaseType is not null || type.IsOwned()
                || type.GetDerivedTypes().Any() || type.GetComplexProperties().Any() || type.GetViewName() is not null)
                return null;
            var store = StoreObjectIdentifier.Table(table, type.GetSchema());
            var columns = new List<(IProperty, RelationalTypeMapping)>();
            foreach (var property in type.GetProperties())
            {
                if (property.GetComputedColumnSql(store) is not null || property.GetDefaultValueSql(store) is not null
                    || property.ValueGenerated != ValueGenerated.Never && !(property.IsKey() && property.ClrType == typeof(Guid))
                    || property.GetColumnName(store) is null || property.GetRelationalTypeMapping() is not { } mapping)
                    return null;
                columns.Add((property, mapping));
            }
            var names = string.Join(", ", columns.Select(c => Quote(c.Item1.GetColumnName(store)!)));
            var values = string.Join(", ", columns.Select((_, i) => $"${i + 1}"));
            var qualified = type.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(table)}" : Quote(table);
            return new InsertPlan($"INSERT INTO {qualified} ({names}) VALUES ({values})", [.. columns], DepthOf(type));
        }

        public NpgsqlBatchCommand Command(EntityEntry entry)
        {
            var command = new NpgsqlBatchCommand(_sql);
            var values = entry.CurrentValues;
            foreach (var (property, mapping) in _columns)
            {
                // The mapping applies the property's value converter and sets the parameter's type, as SaveChanges does.
                command.Parameters.Add((NpgsqlParameter)mapping.CreateParameter(ParameterFactory, "", values[property], property.IsNullable));
            }
            return command;
        }

        private static int DepthOf(IEntityType type, int guard = 0) =>
            guard > 8 ? guard : type.GetForeignKeys().Where(fk => fk.PrincipalEntityType != type)
                .Select(fk => 1 + DepthOf(fk.PrincipalEntityType, guard + 1)).DefaultIfEmpty(0).Max();

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"")}\"";
    }
}
