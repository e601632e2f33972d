using System.Diagnostics;

namespace CrossBorder.Cli.Local;

/// <summary>Whether a process recorded earlier (by pid) still runs, and is still the program it was.</summary>
public static class ProcessProbe
{
    /// <summary>
    /// True when <paramref name="pid"/> runs (not a zombie) and, where <c>/proc</c> tells, its command line
    /// contains <paramref name="commandLineMark"/>: a pid reused by an unrelated program does not count.
    /// </summary>
    public static bool IsRunning(int pid, string commandLineMark)
    {
        if (pid <= 0)
            return false;
        var proc = $"/proc/{pid}";
        if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self"))
        {
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses, so read after the last ')'.
                var stat = File.ReadAllText($"{proc}/stat");
                if (stat[(stat.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z'))
                    return false;
                var commandLine = File.ReadAllText($"{proc}/cmdline").Replace('\0', ' ');
                return commandLine.Contains(commandLineMark, StringComparison.OrdinalIgnoreCase);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="pid"/> no longer runs; false if it still does after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, string commandLineMark, TimeSpan timeout, CancellationToken ct = default)
    {
        // Not our child: no exit notification to await, so look again every 100 ms.
        var watch = Stopwatch.StartNew();
        while (IsRunning(pid, commandLineMark))
        {
            if (watch.Elapsed >= timeout)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        return true;
    }
}
