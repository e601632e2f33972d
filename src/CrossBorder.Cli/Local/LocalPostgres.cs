using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CrossBorder.Cli.Local;

/// <summary>
/// A private PostgreSQL server for local runs and tests, started from the machine's own
/// binaries in a data folder of our choosing (no system service), listening on 127.0.0.1 only
/// with trust authentication for the <c>postgres</c> role. Disposing it stops the server.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    /// <summary>The ports <see cref="FindFreePort"/> has given this process, as a set.</summary>
    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    private readonly PostgresBinaries _binaries;
    private readonly string _dataDirectory;
    private bool _stopped;

    private LocalPostgres(PostgresBinaries binaries, string dataDirectory, int port)
    {
        _binaries = binaries;
        _dataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory => _dataDirectory;

    /// <summary>Starts (initialising the folder first if needed) or reuses the server of <paramref name="dataDirectory"/>.</summary>
    public static Task<LocalPostgres> StartAsync(string dataDirectory, int port, CancellationToken ct = default) =>
        StartAsync(dataDirectory, port, fastUnsafe: false, ct);

    /// <param name="fastUnsafe">
    /// Turn off fsync, synchronous commit and full page writes: much faster, and a machine crash
    /// may lose or corrupt the cluster. For throwaway test clusters only.
    /// </param>
    public static async Task<LocalPostgres> StartAsync(string dataDirectory, int port, bool fastUnsafe, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        var directory = Path.GetFullPath(dataDirectory);
        var binaries = await PostgresBinaries.LocateAsync(ct);
        var server = new LocalPostgres(binaries, directory, port);

        Directory.CreateDirectory(directory);
        if (binaries.RunsAsPostgresUser)
        {
            EnsureParentsTraversable(directory);
            await binaries.GiveToPostgresUserAsync(directory, ct);
        }

        if (!File.Exists(Path.Combine(directory, "PG_VERSION")))
        {
            (await binaries.RunAsync(binaries.InitDb, ["-D", directory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"], ct))
                .EnsureSuccess($"initdb of {directory}");
        }

        var running = RunningPort(directory);
        if (running == port)
        {
            return server;
        }

        if (running is not null)
        {
            throw new InvalidOperationException(
                $"a PostgreSQL server already runs on {directory} but on port {running}, not {port}: " +
                $"stop it (`pg_ctl -D {directory} stop`) or use port {running}");
        }

        await server.StartServerAsync(fastUnsafe, ct);
        return server;
    }

    /// <summary>
    /// A free TCP port on 127.0.0.1, below the kernel's ephemeral range where it can tell, and never one this process was
    /// given before (free now; another process may bind it later). A port from the ephemeral range (what binding port 0
    /// gives) is also what the kernel hands the next outgoing connection: a test that stopped its cluster to restart it
    /// could find its port taken by some connection's local end, and a cluster started a moment after the port was picked
    /// could meet the same.
    /// </summary>
    public static int FindFreePort()
    {
        var (low, high) = ListeningRange();
        for (var attempt = 0; attempt < 64 && high > low; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            if (!HandedOut.TryAdd(port, 0))
                continue; // given to an earlier caller in this process, which may not have bound it yet
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Where <see cref="FindFreePort"/> looks: from 20,000 up to the start of the ephemeral range on Linux
    /// (<c>net.ipv4.ip_local_port_range</c>, 32768 by default); elsewhere, or when the range starts lower, an empty range
    /// (the kernel's choice).
    /// </summary>
    internal static (int Low, int High) ListeningRange()
    {
        const int low = 20_000;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            var start = int.Parse(text.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0],
                System.Globalization.CultureInfo.InvariantCulture);
            return (low, Math.Max(low, start));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException
                                       or IndexOutOfRangeException)
        {
            return (low, low);
        }
    }

    /// <summary>
    /// Whether clients reach the server by its Unix socket in the data folder rather than TCP on 127.0.0.1: a round trip
    /// over a local socket costs a fraction of one through the loopback TCP stack, and a node makes several per
    /// request. A socket's path is limited to 107 bytes, so a deep data folder falls back to TCP.
    /// </summary>
    private bool SocketFolderFits =>
        !OperatingSystem.IsWindows() && System.Text.Encoding.UTF8.GetByteCount(Path.Combine(_dataDirectory, $".s.PGSQL.{Port}")) <= 107;

    /// <summary>The postmaster's process id, from the first line of <c>postmaster.pid</c>; null when the file is not there.</summary>
    public int? ServerProcessId
    {
        get
        {
            var file = Path.Combine(_dataDirectory, "postmaster.pid");
            try { return int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null; }
            catch (IOException) { return null; }
        }
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = SocketFolderFits ? _dataDirectory : "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
        }.ConnectionString;

    /// <summary>Creates the database unless it exists already.</summary>
    public async Task CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenAdminConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync(ct) is not null)
        {
            return;
        }

        try
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Someone else created it between our check and our CREATE: the outcome we wanted.
        }
    }

    /// <summary>Drops the database if it exists, disconnecting its sessions first.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenAdminConnectionAsync(ct);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {QuoteIdentifier(name)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stops the server (fast shutdown: sessions are ended, the cluster is left consistent).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        if (RunningPort(_dataDirectory) is not null)
        {
            var result = await _binaries.RunAsync(_binaries.PgCtl, ["-D", _dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);
            if (!result.Succeeded && RunningPort(_dataDirectory) is not null)
            {
                result.EnsureSuccess($"stopping PostgreSQL on {_dataDirectory}");
            }
        }

        _stopped = true;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Stops the server as a crash would (immediate shutdown: sessions cut, no checkpoint; the restart replays the
    /// write-ahead log), keeps it down for <paramref name="down"/>, then starts it again with durable settings.
    /// </summary>
    public async Task CrashAndRestartAsync(TimeSpan down, CancellationToken ct = default)
    {
        (await _binaries.RunAsync(_binaries.PgCtl, ["-D", _dataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], ct))
            .EnsureSuccess($"stopping PostgreSQL on {_dataDirectory} (immediate)");
        await Task.Delay(down, ct);
        await StartServerAsync(fastUnsafe: false, ct);
    }

    /// <summary>Stops the server of <paramref name="dataDirectory"/> if one runs, e.g. one left by a command that was killed.</summary>
    public static async Task StopServerAsync(string dataDirectory, CancellationToken ct = default)
    {
        if (RunningPort(dataDirectory) is { } port)
            await new LocalPostgres(await PostgresBinaries.LocateAsync(ct), Path.GetFullPath(dataDirectory), port).StopAsync();
    }

    private async Task StartServerAsync(bool fastUnsafe, CancellationToken ct)
    {
        var logFile = Path.Combine(_dataDirectory, "server.log");
        var logStart = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;

        // pg_ctl hands -o to /bin/sh, so the socket folder (the data folder itself, never the
        // system's /var/run/postgresql, which may not exist or be ours) is quoted for the shell.
        var options = new List<string>
        {
            $"-p {Port}",
            $"-k {ShellQuote(_dataDirectory)}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
        };
        if (fastUnsafe)
        {
            options.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        }

        var result = await _binaries.RunAsync(
            _binaries.PgCtl,
            ["-D", _dataDirectory, "-l", logFile, "-o", string.Join(' ', options), "-w", "-t", "60", "start"],
            ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"PostgreSQL did not start on port {Port} from {_dataDirectory} (exit code {result.ExitCode}). " +
                $"Its log ({logFile}) says:{Environment.NewLine}{ReadLogSince(logFile, logStart)}");
        }
    }

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync(CancellationToken ct)
    {
        // No pooling: admin connections must not outlive the call, or DROP/stop would find them.
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>The port of the live server that owns the folder's postmaster.pid, or null if none runs.</summary>
    public static int? RunningPort(string directory)
    {
        // postmaster.pid lines: pid, data folder, start time, port, socket folder, ... (see pidfile.h).
        var pidFile = Path.Combine(directory, "postmaster.pid");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port))
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            // A stale file after a crash may name a pid that now belongs to something else.
            return !process.HasExited && process.ProcessName.StartsWith("postgres", StringComparison.Ordinal) ? port : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The postgres user must be able to walk down to the data folder. Running as root, the
    /// repository often sits under root-owned folders; only those lacking "others may enter"
    /// (o+x) are changed, and each change is reported. Listing their contents (o+r) is not given.
    /// </summary>
    private static void EnsureParentsTraversable(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        for (var parent = Directory.GetParent(directory); parent is not null; parent = parent.Parent)
        {
            var mode = File.GetUnixFileMode(parent.FullName);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(parent.FullName, mode | UnixFileMode.OtherExecute);
                Console.Error.WriteLine($"note: made {parent.FullName} traversable (o+x) so the postgres user can reach {directory}");
            }
        }
    }

    /// <summary>What the server logged during this start attempt (the file is shared with earlier runs).</summary>
    private static string ReadLogSince(string logFile, long offset)
    {
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, lines.TakeLast(20));
        }
        catch (IOException e)
        {
            return $"(could not read it: {e.Message})";
        }
    }

    private static string QuoteIdentifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static string ShellQuote(string value) => $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
