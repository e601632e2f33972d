using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace CrossBorder.Node.Data;

/// <summary>
/// Loads one row that a hand-written statement locks (<c>FOR UPDATE</c>, which LINQ cannot say) into the change
/// tracker, as a tracking query would: the columns the EF model maps, read with their types and value converters, the
/// entity attached unchanged so SaveChanges writes only what the caller then changes, and an instance already tracked
/// returned as it is. Steps, peer messages and receipts all start by locking their case; EF's per-call query pipeline
/// for that one statement cost more CPU than the statement (issue 9's profile).
/// </summary>
public static class LockedRows
{
    private static readonly ConcurrentDictionary<IEntityType, Column[]> Shapes = new();

    private static readonly MethodInfo ReadMethod = typeof(LockedRows).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The single row <paramref name="sql"/> returns (every mapped column), tracked; null when it returns none.</summary>
    public static async Task<T?> SingleTrackedAsync<T>(this DbContext db, string sql, NpgsqlParameter parameter, CancellationToken ct)
        where T : class
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var columns = Shapes.GetOrAdd(type, Shape);
        await using var batch = db.BatchInTransaction(new NpgsqlBatchCommand(sql) { Parameters = { parameter } });
        T entity;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return null;
            entity = (T)Activator.CreateInstance(typeof(T), nonPublic: true)!;
            foreach (var column in columns)
            {
                var ordinal = reader.GetOrdinal(column.Name);
                var value = await reader.IsDBNullAsync(ordinal, ct) ? null : column.Read(reader, ordinal);
                if (column.Converter is { } converter && (value is not null || converter.ConvertsNulls))
                    value = converter.ConvertFromProvider(value);
                column.Set(entity, value);
            }
            if (await reader.ReadAsync(ct))
                throw new InvalidOperationException($"The statement returned more than one {typeof(T).Name}.");
        }

        // Identity resolution by key only, which never changes: no change detection needed to find the entry.
        var keyProperties = type.FindPrimaryKey()!.Properties;
        var key = keyProperties.Select(p => p.GetGetter().GetClrValueUsingContainingEntity(entity)).ToArray();
        var tracker = db.ChangeTracker;
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        EntityEntry<T>? tracked;
        try { tracked = tracker.Entries<T>().FirstOrDefault(e => keyProperties.Select(p => e.Property(p.Name).CurrentValue).SequenceEqual(key)); }
        finally { tracker.AutoDetectChangesEnabled = detect; }
        if (tracked is not null)
            return tracked.Entity;
        db.Attach(entity);
        return entity;
    }

    private static Column[] Shape(IEntityType type)
    {
        var store = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
        return type.GetProperties().Select(p =>
        {
            var mapping = p.GetRelationalTypeMapping();
            var provider = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
            var read = (Func<DbDataReader, int, object>)ReadMethod.MakeGenericMethod(Nullable.GetUnderlyingType(provider) ?? provider)
                .CreateDelegate(typeof(Func<DbDataReader, int, object>));
            Action<object, object?> set = p.PropertyInfo is { CanWrite: true } property ? property.SetValue
                : p.FieldInfo is { } field ? field.SetValue
                : throw new InvalidOperationException($"{type.DisplayName()}.{p.Name} cannot be set.");
            return new Column(p.GetColumnName(store)!, read, mapping.Converter, set);
        }).ToArray();
    }

    private static object Read<TValue>(DbDataReader reader, int ordinal) => reader.GetFieldValue<TValue>(ordinal)!;

    private sealed record Column(string Name, Func<DbDataReader, int, object> Read, ValueConverter? Converter, Action<object, object?> Set);
}
