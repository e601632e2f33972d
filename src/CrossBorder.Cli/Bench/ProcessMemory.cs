using System.Diagnostics;

namespace CrossBorder.Cli.Bench;

public static class ProcessMemory
{
    /// <summary>Resident set size in MB: VmRSS of /proc/&lt;pid&gt;/status on Linux, the working set elsewhere.</summary>
    public static double ResidentMegabytes(int processId)
    {
        var status = $"/proc/{processId}/status";
        if (File.Exists(status))
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var kilobytes = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            if (long.TryParse(kilobytes, out var kb))
            {
                return kb / 1024.0;
            }
        }

        using var process = Process.GetProcessById(processId);
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }
}
