using System.Text.Json;

namespace CrossBorder.Cli.Local;

/// <summary>
/// What a running <c>crossborder up</c> tells other shells (<c>status</c>, <c>down</c>), in
/// <c>&lt;local dir&gt;/up.json</c>: its own pid, PostgreSQL and each node with its pid, URLs and log.
/// Rewritten whole (write, then rename) whenever something changes, deleted when <c>up</c> has stopped
/// everything. Holds no secret.
/// </summary>
public sealed record UpState(
    int Pid,
    string Phase,
    DateTimeOffset StartedAt,
    int PostgresPort,
    string PostgresData,
    string ClientsFile,
    string LogDirectory,
    IReadOnlyList<UpNodeState> Nodes)
{
    public const string FileName = "up.json";

    /// <summary>Building or starting: the table is not printed yet.</summary>
    public const string Starting = "starting";

    /// <summary>Both nodes were ready once; <c>up</c> now restarts a node that dies.</summary>
    public const string Running = "running";

    /// <summary>A stop was requested: nodes, then PostgreSQL, are being stopped.</summary>
    public const string Stopping = "stopping";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathIn(string localDirectory) => Path.Combine(localDirectory, FileName);

    /// <summary>The state file of <paramref name="localDirectory"/>, or null when there is none (nothing was started).</summary>
    public static UpState? Read(string localDirectory)
    {
        try
        {
            return JsonSerializer.Deserialize<UpState>(File.ReadAllText(PathIn(localDirectory)), Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Write(string localDirectory)
    {
        Directory.CreateDirectory(localDirectory);
        var path = PathIn(localDirectory);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string localDirectory) => File.Delete(PathIn(localDirectory));
}
