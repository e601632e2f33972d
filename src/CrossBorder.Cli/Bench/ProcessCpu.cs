namespace CrossBorder.Cli.Bench;

/// <summary>
/// CPU time (user + system) a process has used, from <c>/proc/&lt;pid&gt;/stat</c> (Linux; null elsewhere). Throughput on
/// a shared, noisy machine moves with whatever else runs; the CPU each request costs its server does much less, so the
/// bench prints both.
/// </summary>
public static class ProcessCpu
{
    /// <summary>Clock ticks per second of the stat fields: USER_HZ, 100 on every Linux the bench runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The process's own CPU time.</summary>
    public static TimeSpan? Of(int processId) => Fields(processId) is { } f ? Ticks(f[11] + f[12]) : null;

    /// <summary>
    /// A server and its worker processes (PostgreSQL: the postmaster and its backends): the root's own time, the time of
    /// the children it has reaped, and each live child's own time.
    /// </summary>
    public static TimeSpan? OfTree(int rootProcessId)
    {
        if (Fields(rootProcessId) is not { } root)
            return null;
        var ticks = root[11] + root[12] + root[13] + root[14];
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && pid != rootProcessId
                && Fields(pid) is { } child && child[1] == rootProcessId)
                ticks += child[11] + child[12];
        }
        return Ticks(ticks);
    }

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    /// <summary>The numeric fields after the command name, from field 3 (state, as 0) on: index 1 is ppid, 11-14 utime, stime, cutime, cstime.</summary>
    private static long[]? Fields(int processId)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{processId}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // The command name is in parentheses and may hold spaces or parentheses itself: the fields start after the last ')'.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return rest.Select(v => long.TryParse(v, out var n) ? n : 0).ToArray();
    }
}
