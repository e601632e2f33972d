using System.Text.RegularExpressions;
using CrossBorder.Core.Audit;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace CrossBorder.Cli.Users;

/// <summary>
/// The console's people accounts in a node's database (table <c>console_accounts</c>, created by the node's
/// migrations): add, disable, reset. Passwords are hashed with ASP.NET Core Identity's <c>PasswordHasher</c>, as the
/// node verifies them. Every change is an audit entry naming the account id, never the name.
/// </summary>
public sealed partial class ConsoleUsers(string connectionString, TimeProvider? time = null)
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;
    public static readonly IReadOnlyList<string> Roles = ["auditor", "operator"];

    private static readonly PasswordHasher<object> Hasher = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NameRule();

    /// <summary>Null when the name is acceptable, else why not.</summary>
    public static string? CheckName(string name) =>
        NameRule().IsMatch(name) ? null : "--name: 1-64 characters, letters, digits and ._- only";

    public static string? CheckPassword(string password) =>
        password.Length is < MinPasswordLength or > MaxPasswordLength
            ? $"the password must be {MinPasswordLength}-{MaxPasswordLength} characters"
            : null;

    /// <summary>The password as given on standard input: everything up to the end, without the final line break.</summary>
    public static async Task<string> ReadPasswordAsync(TextReader input, CancellationToken ct)
    {
        var buffer = new char[MaxPasswordLength + 3];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await input.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            read += n;
        var text = new string(buffer, 0, read);
        if (text.EndsWith('\n')) text = text[..^1];
        if (text.EndsWith('\r')) text = text[..^1];
        return text;
    }

    /// <summary>Adds an account; false when the name is taken.</summary>
    public async Task<Guid?> AddAsync(string name, string role, string password, CancellationToken ct)
    {
        var id = Guid.CreateVersion7(_time.GetUtcNow());
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var db = await OpenAsync(data, ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO console_accounts (id, name, role, password_hash, failed_attempts, lockout_until, disabled, security_stamp,
                                          created_at, updated_at)
            VALUES (@id, @name, @role, @hash, 0, NULL, false, @stamp, @now, @now)
            ON CONFLICT (name) DO NOTHING
            """, db, tx))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("role", role);
            insert.Parameters.AddWithValue("hash", Hasher.HashPassword(new object(), password));
            insert.Parameters.AddWithValue("stamp", Guid.NewGuid());
            insert.Parameters.AddWithValue("now", _time.GetUtcNow());
            if (await insert.ExecuteNonQueryAsync(ct) != 1)
                return null;
        }
        await AuditAsync(db, tx, id, "added:" + role, ct);
        await tx.CommitAsync(ct);
        return id;
    }

    /// <summary>Disables an account: no sign-in, and sessions it holds no longer authorize. Null when no such name.</summary>
    public Task<Guid?> DisableAsync(string name, CancellationToken ct) =>
        ChangeAsync(name, "disabled = true", null, "disabled", ct);

    /// <summary>Sets a new password, clears failed attempts and lockout, ends sessions. Null when no such name.</summary>
    public Task<Guid?> ResetAsync(string name, string password, CancellationToken ct) =>
        ChangeAsync(name, "password_hash = @hash, failed_attempts = 0, lockout_until = NULL", Hasher.HashPassword(new object(), password),
            "reset", ct);

    private async Task<Guid?> ChangeAsync(string name, string set, string? hash, string code, CancellationToken ct)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var db = await OpenAsync(data, ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        Guid id;
        await using (var update = new NpgsqlCommand(
            $"UPDATE console_accounts SET {set}, security_stamp = @stamp, updated_at = @now WHERE name = @name RETURNING id", db, tx))
        {
            update.Parameters.AddWithValue("name", name);
            update.Parameters.AddWithValue("stamp", Guid.NewGuid());
            update.Parameters.AddWithValue("now", _time.GetUtcNow());
            if (hash is not null) update.Parameters.AddWithValue("hash", hash);
            if (await update.ExecuteScalarAsync(ct) is not Guid found)
                return null;
            id = found;
        }
        await AuditAsync(db, tx, id, code, ct);
        await tx.CommitAsync(ct);
        return id;
    }

    /// <summary>Opens the node's database; says so plainly when the node never ran there (no accounts table yet).</summary>
    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource data, CancellationToken ct)
    {
        var db = await data.OpenConnectionAsync(ct);
        await using var probe = new NpgsqlCommand("SELECT to_regclass('console_accounts') IS NOT NULL", db);
        if (await probe.ExecuteScalarAsync(ct) is not true)
        {
            await db.DisposeAsync();
            throw new InvalidOperationException("this database has no console_accounts table: start the node on it once (it applies its migrations)");
        }
        return db;
    }

    /// <summary>A pending audit entry (the node's sequencer gives it its index), as the node writes them.</summary>
    private async Task AuditAsync(NpgsqlConnection db, NpgsqlTransaction tx, Guid account, string code, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO audit_pending (id, recorded_at, kind, client_id, code, detail) VALUES (@id, @at, @kind, 'cli', @code, @detail)
            """, db, tx);
        cmd.Parameters.AddWithValue("id", Guid.CreateVersion7(now));
        cmd.Parameters.AddWithValue("at", new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero));
        cmd.Parameters.AddWithValue("kind", AuditKinds.ConsoleAccountChanged);
        cmd.Parameters.AddWithValue("code", code.Length > 16 ? code[..16] : code);
        cmd.Parameters.AddWithValue("detail", "account=" + account);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
