namespace CrossBorder.Cli.Local;

/// <summary>
/// The machine's own PostgreSQL server programs (initdb, pg_ctl, postgres) and how to run them.
/// initdb and postgres refuse to run as root, so when this process is root every call goes
/// through <c>runuser -u postgres --</c> instead.
/// </summary>
public sealed class PostgresBinaries
{
    private const string PostgresUser = "postgres";
    private static readonly string[] Required = ["initdb", "pg_ctl", "postgres"];

    private readonly string? _runuser;

    private PostgresBinaries(IReadOnlyDictionary<string, string> paths, string? runuser)
    {
        InitDb = paths["initdb"];
        PgCtl = paths["pg_ctl"];
        _runuser = runuser;
    }

    public string InitDb { get; }

    public string PgCtl { get; }

    /// <summary>True when the programs run as the <c>postgres</c> system user (this process is root).</summary>
    public bool RunsAsPostgresUser => _runuser is not null;

    public static async Task<PostgresBinaries> LocateAsync(CancellationToken ct = default)
    {
        var paths = await FromPgConfigAsync(ct) ?? FromVersionedInstall() ?? FromPath();
        if (paths is null)
        {
            var missing = Required.Where(name => ProcessRunner.FindOnPath(name) is null);
            throw new InvalidOperationException(
                $"PostgreSQL server binaries not found ({string.Join(", ", missing)} missing): looked in `pg_config --bindir`, " +
                "/usr/lib/postgresql/*/bin and PATH. Install postgresql (e.g. `apt-get install postgresql`).");
        }

        string? runuser = null;
        if (await IsRootAsync(ct))
        {
            runuser = ProcessRunner.FindOnPath("runuser")
                ?? new[] { "/usr/sbin/runuser", "/sbin/runuser" }.FirstOrDefault(ProcessRunner.IsExistingFile)
                ?? throw new InvalidOperationException(
                    "running as root, but `runuser` is not available to run PostgreSQL as the postgres user (install util-linux)");
            var user = await ProcessRunner.RunAsync("id", ["-u", PostgresUser], ct);
            if (!user.Succeeded)
            {
                throw new InvalidOperationException(
                    "running as root, but there is no `postgres` system user to run PostgreSQL as (install postgresql, which creates it)");
            }
        }

        return new PostgresBinaries(paths, runuser);
    }

    /// <summary>Runs one of the PostgreSQL programs, as the postgres user when this process is root.</summary>
    public Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, CancellationToken ct = default) =>
        _runuser is null
            ? ProcessRunner.RunAsync(program, arguments, ct, workingDirectory: "/")
            // The working folder is "/" because root's own (e.g. /root) is not readable by postgres.
            : ProcessRunner.RunAsync(_runuser, new[] { "-u", PostgresUser, "--", program }.Concat(arguments), ct, workingDirectory: "/");

    /// <summary>Hands a folder (recursively) to the postgres user; does nothing unless running as root.</summary>
    public async Task GiveToPostgresUserAsync(string directory, CancellationToken ct = default)
    {
        if (RunsAsPostgresUser)
        {
            (await ProcessRunner.RunAsync("chown", ["-R", $"{PostgresUser}:{PostgresUser}", directory], ct))
                .EnsureSuccess($"handing {directory} to the postgres user");
        }
    }

    private static async Task<bool> IsRootAsync(CancellationToken ct)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        if (Environment.UserName == "root")
        {
            return true;
        }

        // The user name can differ from the effective uid (e.g. a renamed uid 0); ask the OS.
        var id = await ProcessRunner.RunAsync("id", ["-u"], ct);
        return id.Succeeded && id.StandardOutput.Trim() == "0";
    }

    private static async Task<Dictionary<string, string>?> FromPgConfigAsync(CancellationToken ct)
    {
        var pgConfig = ProcessRunner.FindOnPath("pg_config");
        if (pgConfig is null)
        {
            return null;
        }

        var result = await ProcessRunner.RunAsync(pgConfig, ["--bindir"], ct);
        return result.Succeeded ? InDirectory(result.StandardOutput.Trim()) : null;
    }

    private static Dictionary<string, string>? FromVersionedInstall()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(directory => (Version: int.TryParse(Path.GetFileName(directory), out var v) ? v : -1, Directory: directory))
            .Where(install => install.Version >= 0)
            .OrderByDescending(install => install.Version)
            .Select(install => InDirectory(Path.Combine(install.Directory, "bin")))
            .FirstOrDefault(paths => paths is not null);
    }

    private static Dictionary<string, string>? FromPath()
    {
        var paths = new Dictionary<string, string>();
        foreach (var name in Required)
        {
            var found = ProcessRunner.FindOnPath(name);
            if (found is null)
            {
                return null;
            }

            paths[name] = found;
        }

        return paths;
    }

    private static Dictionary<string, string>? InDirectory(string directory)
    {
        var paths = Required.ToDictionary(name => name, name => Path.Combine(directory, name));
        return paths.Values.All(ProcessRunner.IsExistingFile) ? paths : null;
    }
}
