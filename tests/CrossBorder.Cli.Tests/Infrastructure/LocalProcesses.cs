namespace CrossBorder.Cli.Tests.Infrastructure;

/// <summary>The processes of this machine whose command line names a folder, read from <c>/proc</c>.</summary>
public static class LocalProcesses
{
    /// <summary>Pid and command line of every live process mentioning <paramref name="text"/> (nodes and PostgreSQL name their folder).</summary>
    public static List<string> Mentioning(string text)
    {
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                if (stat[(stat.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z'))
                    continue; // a zombie runs nothing any more
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                    found.Add($"{pid}: {commandLine}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return found;
    }
}
