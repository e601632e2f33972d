using System.Runtime.InteropServices;

namespace CrossBorder.Cli.Local;

/// <summary>
/// How the CLI builds a .NET app it runs (the node for <c>up</c> and the benchmarks, the benchmark's baseline): Release,
/// ReadyToRun (precompiled, as the container image ships the node), for this machine, on the shared framework. A node
/// built without ReadyToRun JIT-compiles its start-up: 2.9-3.0 s to ready against 1.8-2.5 s (issue 9 asks < 3 s).
/// </summary>
public static class ReleasePublish
{
    /// <summary>The <c>dotnet</c> arguments that publish <paramref name="project"/> into <paramref name="output"/>.</summary>
    public static string[] Arguments(string project, string output) =>
    [
        "publish", project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false",
        "-p:PublishReadyToRun=true", "-o", output, "--nologo", "-v", "quiet",
    ];

    /// <summary>Publishes with its output on this console (the benchmarks); throws when it fails.</summary>
    public static async Task RunAttachedAsync(string project, string output, CancellationToken ct)
    {
        Console.WriteLine($"Publishing {project} (Release, ReadyToRun) to {output}...");
        var exitCode = await ProcessRunner.RunAttachedAsync("dotnet", Arguments(project, output), ct);
        if (exitCode != 0)
            throw new InvalidOperationException($"publishing {project} failed (dotnet publish exit code {exitCode})");
    }
}
