using System.Diagnostics;
using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Tests;

/// <summary><c>down</c> after an <c>up</c> that was killed (SIGKILL, OOM): it stops what that <c>up</c> left running.</summary>
public sealed class DownLeftoversTests
{
    [Test]
    public async Task Down_UpKilledLeavingANode_StopsTheNodeAndForgetsTheState()
    {
        var local = Path.Combine(Path.GetTempPath(), $"crossborder-leftover-{Guid.NewGuid():N}");
        // A stand-in for a node the killed `up` left behind: its command line names the node's assembly, as a real one does.
        using var node = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", $"exec -a 'dotnet {NodeSupervisor.CommandLineMark}' sleep 300" } })!;
        using var gone = Process.Start("true")!;
        await gone.WaitForExitAsync();
        try
        {
            new UpState(gone.Id, UpState.Running, DateTimeOffset.UtcNow, 1, Path.Combine(local, "pg"), "clients", "logs",
                [new UpNodeState("FR", node.Id, "http://127.0.0.1:1", "http://127.0.0.1:2/metrics", "fr.log", 0)]).Write(local);
            Assert.That(ProcessProbe.IsRunning(node.Id, NodeSupervisor.CommandLineMark), Is.True, "the stand-in runs");

            var output = new StringWriter();
            var exit = await CliApp.InvokeAsync(["down", "--local-dir", local], output, output);

            Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output.ToString());
            Assert.That(output.ToString(), Does.Contain($"stopped what it left running: the FR node (pid {node.Id})"));
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(File.Exists(UpState.PathIn(local)), Is.False);
        }
        finally
        {
            if (!node.HasExited)
                node.Kill();
            Directory.Delete(local, recursive: true);
        }
    }
}
