using System.Diagnostics;
using System.Net;
using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// <c>crossborder bench faults</c> checks that no node stopped by itself; its <see cref="ReplicaSet"/> tells the kills it
/// made from the exits nobody asked for. A watcher that missed those would pass every campaign.
/// </summary>
public sealed class ReplicaSetTests
{
    [Test]
    public async Task AnExitNobodyAskedFor_IsRecordedAndTheReplicaStartedAgain_TheCampaignsOwnKillIsNot()
    {
        var directory = Path.Combine(Path.GetTempPath(), "crossborder-replicaset-" + Guid.NewGuid().ToString("N"));
        try
        {
            var fr = DevNode.Prepare(directory, "FR", FrontWithFreeReplicaPort());
            var gb = DevNode.Prepare(directory, "GB", LocalPostgres.FindFreePort());
            DevConfigFiles.WriteNodeConfig(fr, [gb], await TestDatabase.CreateAsync("replicaset"));
            var assembly = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.dll");
            await using var set = new ReplicaSet(fr, 1, assembly, Path.Combine(directory, "logs"),
                new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
            await set.StartAsync(CancellationToken.None);

            await set.KillAsync(0);
            await set.RestartAsync(0, CancellationToken.None);
            Assert.That(set.UnexpectedExits, Is.Empty, "a kill the campaign made is not an exit by itself");

            // Ended from outside, as a worker's crash stopping the host would end it.
            var first = set.ProcessId(0) ?? throw new AssertionException("the replica runs");
            Process.GetProcessById(first).Kill();
            var exits = await NodePair.EventuallyAsync(() => Task.FromResult(set.UnexpectedExits), e => e.Count > 0,
                TimeSpan.FromSeconds(20), "the exit nobody asked for is recorded");
            Assert.That(exits.Single(), Does.StartWith("FR-1 exited by itself with code "));
            await NodePair.EventuallyAsync(() => Task.FromResult(set.ProcessId(0)), p => p is { } pid && pid != first,
                TimeSpan.FromSeconds(120), "the replica is started again, so the campaign goes on");
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A free port for the front whose next port, the replica's, is free too: a free ephemeral port's neighbour is often
    /// some connection's local port (CI failed once on that).
    /// </summary>
    private static int FrontWithFreeReplicaPort()
    {
        while (true)
        {
            var port = LocalPostgres.FindFreePort();
            if (port < IPEndPoint.MaxPort && PortCheck.IsFree(port + 1))
                return port;
        }
    }
}
