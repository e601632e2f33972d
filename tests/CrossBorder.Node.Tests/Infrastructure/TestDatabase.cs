using CrossBorder.Cli.Local;
using Npgsql;

namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster for the whole test run, started from the machine's own binaries
/// (or the server named by CROSSBORDER_TEST_PG, a connection string to a database with CREATEDB rights).
/// Each node of each test gets its own fresh database.
/// </summary>
public static class TestDatabase
{
    private static LocalPostgres? _cluster;
    private static string? _external;
    private static string? _folder;
    private static int _counter;

    public static async Task StartAsync()
    {
        _external = Environment.GetEnvironmentVariable("CROSSBORDER_TEST_PG");
        if (_external is not null)
            return;
        _folder = Path.Combine(Path.GetTempPath(), $"crossborder-test-pg-{Environment.ProcessId}");
        _cluster = await LocalPostgres.StartAsync(_folder, LocalPostgres.FindFreePort(), fastUnsafe: true);
    }

    public static async Task StopAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        if (_folder is not null)
        {
            try { Directory.Delete(_folder, recursive: true); }
            catch (IOException) { } // a stray file handle must not fail the run
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string prefix)
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}".ToLowerInvariant();
        if (_cluster is not null)
        {
            await _cluster.CreateDatabaseAsync(name);
            return _cluster.ConnectionString(name);
        }
        var admin = new NpgsqlConnectionStringBuilder(_external);
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await cmd.ExecuteNonQueryAsync();
        }
        admin.Database = name;
        return admin.ConnectionString;
    }
}
