using System.Collections.Concurrent;
using System.Data.Common;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CrossBorder.Node.Data;

/// <summary>
/// Saves the hot units of work (a ministry's create or step, a peer's message, a receipt) as one batch of plain
/// statements in the caller's transaction: an INSERT per new row, an UPDATE of the changed columns per changed row
/// (matched on its key and concurrency token, as SaveChanges matches it), then marks them saved. Tables, columns and
/// parameter types are the EF model's, read once per entity type; what is skipped is SaveChanges' per-call work
/// (ordering the commands, generating their SQL, propagating results), which cost the node more CPU than PostgreSQL
/// spent on these rows (issue 9's profile). A unit with a deleted row, a type this writer does not know, or no
/// transaction goes through SaveChanges. Failures surface as SaveChanges' do: a <see cref="DbUpdateException"/> around
/// the database's exception, a <see cref="DbUpdateConcurrencyException"/> for a stale row. A unit that reads nothing
/// first can be its own transaction instead (<see cref="SaveAsOwnTransactionAsync"/>).
/// </summary>
public static class RowBatch
{
    private static readonly ConcurrentDictionary<IEntityType, RowPlan?> Plans = new();

    /// <summary>Whether rows of <paramref name="type"/> go in the batch (otherwise their unit goes through SaveChanges).</summary>
    public static bool Handles(IEntityType type) => Plans.GetOrAdd(type, RowPlan.For) is not null;

    /// <summary>Whether a new row of <paramref name="type"/> can be written from its object alone, untracked (<see cref="NodeDbContext.AddRow"/>).</summary>
    internal static bool InsertsUntracked(IEntityType? type) => type is not null && Plans.GetOrAdd(type, RowPlan.For) is { FromObject: true };

    public static Task SaveAsBatchAsync(this DbContext db, CancellationToken ct) =>
        SaveAsync(db, TransactionCommands.CurrentTransaction(db) is { } tx ? (tx.Connection!, tx) : null, null, ct);

    /// <summary>
    /// Saves a unit that reads nothing before it writes (a ministry's create) in ONE round trip: its rows as one batch
    /// sent outside any transaction, which PostgreSQL runs as one implicit transaction (Npgsql ends a batch with a single
    /// Sync: every statement commits, or none), then wakes the workers its rows asked for, as a commit does
    /// (<see cref="WakeOnCommitInterceptor"/>). A unit with a row this writer does not handle goes through SaveChanges,
    /// which commits on its own just the same. Rows of type <paramref name="lead"/> go first: a unique key that decides
    /// whether the rest is to be written at all (a create's idempotency key) fails the batch before anything else is
    /// written, and a concurrent holder of that key is waited for before anything else is written.
    /// </summary>
    public static async Task SaveAsOwnTransactionAsync(this NodeDbContext db, WorkSignals signals, Type? lead, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
            throw new InvalidOperationException("A unit saved as its own transaction must not run inside another one.");
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            await SaveAsync(db, ((NpgsqlConnection)db.Database.GetDbConnection(), null), lead, ct);
        }
        catch
        {
            db.TakePendingWork(); // nothing committed, nothing to wake for
            db.TakeNewRows(); // nor anything left to write
            throw;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        signals.Wake(db.TakePendingWork());
    }

    private static async Task SaveAsync(DbContext db, (NpgsqlConnection Connection, NpgsqlTransaction? Transaction)? target,
        Type? lead, CancellationToken ct)
    {
        // Rows collected untracked (NodeDbContext.AddRow) are handed over here; SaveChanges, where it must write the unit,
        // gets them tracked. A unit whose save failed is not saved again: its collected rows are gone with the attempt.
        var untracked = db is NodeDbContext node ? node.TakeNewRows() : [];
        if (target is null)
        {
            await SaveChangesWithAsync(db, untracked, ct); // no transaction to batch into
            return;
        }
        var tracker = db.ChangeTracker;
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        List<EntityEntry> entries;
        try { entries = [.. tracker.Entries()]; }
        finally { tracker.AutoDetectChangesEnabled = detect; }
        // A row loaded from the database may hide an edit, so changes are detected when there is one; a new row's
        // values are read as they are (detecting changes on new rows was a third of this method's cost).
        if (entries.Any(e => e.State != EntityState.Added))
            tracker.DetectChanges();

        var writes = new List<(EntityEntry Entry, RowPlan Plan)>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.State == EntityState.Unchanged)
                continue;
            if (entry.State is not (EntityState.Added or EntityState.Modified) || Plans.GetOrAdd(entry.Metadata, RowPlan.For) is not { } plan)
            {
                await SaveChangesWithAsync(db, untracked, ct); // a deleted row, or a type this writer does not know
                return;
            }
            writes.Add((entry, plan));
        }
        if (writes.Count == 0 && untracked.Count == 0)
            return;

        await using var batch = new NpgsqlBatch(target.Value.Connection, target.Value.Transaction);
        // New rows first, tracked or not (the lead type's before the others), principals before dependents (as SaveChanges
        // orders them), then the changed rows.
        var model = db.Model;
        var inserts = writes.Where(w => w.Entry.State == EntityState.Added).Select(w => (Row: w.Entry.Entity, Entry: (EntityEntry?)w.Entry, w.Plan))
            .Concat(untracked.Select(row => (Row: row, Entry: (EntityEntry?)null, Plan: Plans[model.FindEntityType(row.GetType())!]!)))
            .OrderBy(i => i.Row.GetType() == lead ? -1 : i.Plan.Depth);
        foreach (var (row, entry, plan) in inserts)
            batch.BatchCommands.Add(entry is null ? plan.Insert(row) : plan.Insert(entry));
        var updates = new List<(NpgsqlBatchCommand Command, EntityEntry Entry)>();
        foreach (var (entry, plan) in writes.Where(w => w.Entry.State == EntityState.Modified))
        {
            if (plan.Update(entry) is { } update)
            {
                batch.BatchCommands.Add(update);
                updates.Add((update, entry));
            }
        }
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (DbException e) // as SaveChanges wraps it, so a handler matching either sees the same exception
        {
            throw new DbUpdateException("An error occurred while saving the rows. See the inner exception for details.", e);
        }
        // An update that matched no row lost a race on its concurrency token (or the row is gone): as SaveChanges says it.
        if (updates.Where(u => u.Command.RecordsAffected != 1).Select(u => u.Entry).ToList() is { Count: > 0 } stale)
            throw new DbUpdateConcurrencyException($"{stale.Count} row(s) changed or disappeared since they were read.");
        tracker.AcceptAllChanges();
    }

    /// <summary>The unit as SaveChanges writes it, its collected rows tracked first so that they go with it.</summary>
    private static Task<int> SaveChangesWithAsync(DbContext db, List<object> untracked, CancellationToken ct)
    {
        db.AddRange(untracked);
        return db.SaveChangesAsync(ct);
    }

    /// <summary>The statements of one entity type: its table, its columns and how each value becomes a parameter.</summary>
    private sealed class RowPlan
    {
        // RelationalTypeMapping makes parameters through a DbCommand; this one only lends its factory.
        private static readonly NpgsqlCommand ParameterFactory = new();

        private readonly string _sql, _table;
        private readonly Column[] _columns;

        private RowPlan(string table, Column[] columns, int depth)
        {
            _table = table;
            _columns = columns;
            FromObject = columns.All(c => c.Getter is not null);
            _sql = $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))}) "
                + $"VALUES ({string.Join(", ", columns.Select((_, i) => $"${i + 1}"))})";
            Depth = depth;
        }

        public int Depth { get; }

        /// <summary>Null for a type this writer does not handle (a value the database generates, an owned or mapped-to-many type).</summary>
        public static RowPlan? For(IEntityType type)
        {
            if (type.GetTableName() is not { } table || type.BaseType is not null || type.IsOwned()
                || type.GetDerivedTypes().Any() || type.GetComplexProperties().Any() || type.GetViewName() is not null)
                return null;
            var store = StoreObjectIdentifier.Table(table, type.GetSchema());
            var columns = new List<Column>();
            foreach (var property in type.GetProperties())
            {
                if (property.GetComputedColumnSql(store) is not null || property.GetDefaultValueSql(store) is not null
                    || property.ValueGenerated != ValueGenerated.Never && !(property.IsKey() && property.ClrType == typeof(Guid))
                    || property.GetColumnName(store) is null || property.GetRelationalTypeMapping() is not { } mapping)
                    return null;
                columns.Add(new Column(property, mapping, Quote(property.GetColumnName(store)!),
                    property.IsShadowProperty() ? null : property.GetGetter()));
            }
            var qualified = type.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(table)}" : Quote(table);
            return new RowPlan(qualified, [.. columns], DepthOf(type));
        }

        /// <summary>Every column read by the property's CLR getter: no shadow property, so a row is written from its object alone.</summary>
        public bool FromObject { get; }

        /// <summary>
        /// The INSERT of a row that is not tracked: its values read from the object. Nothing generates its key on the way
        /// (SaveChanges would have), so a row without one is refused rather than written with an empty id.
        /// </summary>
        public NpgsqlBatchCommand Insert(object row)
        {
            var command = new NpgsqlBatchCommand(_sql);
            foreach (var column in _columns)
            {
                var value = column.Getter!.GetClrValueUsingContainingEntity(row);
                if (column.Key && value is Guid id && id == Guid.Empty)
                    throw new InvalidOperationException($"A new {row.GetType().Name} was added without its key ({column.Property.Name}).");
                command.Parameters.Add(column.Parameter(value));
            }
            return command;
        }

        public NpgsqlBatchCommand Insert(EntityEntry entry)
        {
            var command = new NpgsqlBatchCommand(_sql);
            var values = entry.CurrentValues;
            foreach (var column in _columns)
                command.Parameters.Add(column.Parameter(values[column.Property]));
            return command;
        }

        /// <summary>
        /// <c>UPDATE</c> of the changed columns, matched on the key and on each concurrency token's value as loaded; null
        /// when nothing changed.
        /// </summary>
        public NpgsqlBatchCommand? Update(EntityEntry entry)
        {
            var command = new NpgsqlBatchCommand();
            var set = new List<string>();
            var where = new List<string>();
            foreach (var column in _columns)
            {
                var (property, name) = (column.Property, column.Name);
                var member = entry.Property(property.Name);
                if (member.IsModified)
                {
                    command.Parameters.Add(column.Parameter(member.CurrentValue));
                    set.Add($"{name} = ${command.Parameters.Count}");
                }
                if (!property.IsPrimaryKey() && !property.IsConcurrencyToken)
                    continue;
                if ((property.IsPrimaryKey() ? member.CurrentValue : member.OriginalValue) is not { } matched)
                {
                    where.Add($"{name} IS NULL");
                    continue;
                }
                command.Parameters.Add(column.Parameter(matched));
                where.Add($"{name} = ${command.Parameters.Count}");
            }
            if (set.Count == 0)
                return null;
            command.CommandText = $"UPDATE {_table} SET {string.Join(", ", set)} WHERE {string.Join(" AND ", where)}";
            return command;
        }

        /// <summary>One mapped column; its type mapping makes the parameter, applying the value converter and setting the type, as SaveChanges does.</summary>
        private sealed record Column(IProperty Property, RelationalTypeMapping Mapping, string Name, IClrPropertyGetter? Getter)
        {
            public bool Key { get; } = Property.IsKey();

            public NpgsqlParameter Parameter(object? value) => (NpgsqlParameter)Mapping.CreateParameter(ParameterFactory, "", value, Property.IsNullable);
        }

        private static int DepthOf(IEntityType type, int guard = 0) =>
            guard > 8 ? guard : type.GetForeignKeys().Where(fk => fk.PrincipalEntityType != type)
                .Select(fk => 1 + DepthOf(fk.PrincipalEntityType, guard + 1)).DefaultIfEmpty(0).Max();

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"")}\"";
    }
}
