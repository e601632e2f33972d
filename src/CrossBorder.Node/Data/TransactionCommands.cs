using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CrossBorder.Node.Data;

/// <summary>Plain Npgsql commands inside a DbContext's transaction, for hot statements whose EF pipeline costs more than their round trip.</summary>
public static class TransactionCommands
{
    /// <summary>
    /// Statements sent in one round trip on the context's connection, in its current transaction; throws outside one.
    /// Each statement of a batch takes its own snapshot when it starts (READ COMMITTED), so a lookup after a lock sees
    /// what committed while the lock was awaited.
    /// </summary>
    public static NpgsqlBatch BatchInTransaction(this DbContext db, params NpgsqlBatchCommand[] statements)
    {
        var tx = Transaction(db);
        var batch = new NpgsqlBatch(tx.Connection, tx);
        foreach (var statement in statements)
            batch.BatchCommands.Add(statement);
        return batch;
    }

    /// <summary>The context's current transaction, which a statement that takes a transaction-scoped lock needs.</summary>
    public static NpgsqlTransaction Transaction(DbContext db) =>
        CurrentTransaction(db) ?? throw new InvalidOperationException("This statement must run in the caller's transaction.");

    /// <summary>The context's current transaction, or null outside one.</summary>
    public static NpgsqlTransaction? CurrentTransaction(DbContext db) => db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
}
