using System.Diagnostics;

namespace CrossBorder.Deploy.Tests.Infrastructure;

/// <summary>
/// An external validator these tests run: kubectl (kustomize), promtool, node. A missing tool fails the test with
/// how to get it; it never skips it, since a validator that silently does not run validates nothing. .ci/run
/// installs what the machine lacks.
/// </summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string Both => Output + Error;
    }

    /// <summary>The tool's path: the environment variable <paramref name="variable"/> if set, else the first <paramref name="names"/> on PATH.</summary>
    public static string? Find(string variable, params string[] names)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given)
            return given;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var name in names)
        {
            foreach (var dir in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    public static string Require(string variable, string hint, params string[] names) =>
        Find(variable, names) ?? throw new AssertionException(
            $"{string.Join(" or ", names)} is needed for this test and is not on PATH (or set {variable}). {hint}");

    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, string? stdin = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish within 2 minutes");
        }
        return new Result(process.ExitCode, await output, await error);
    }
}
