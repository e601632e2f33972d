using System.Net;
using System.Net.Sockets;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// <see cref="LocalPostgres.FindFreePort"/>: a port nothing listens on, and on Linux one the kernel never hands an
/// outgoing connection (below <c>net.ipv4.ip_local_port_range</c>), so a test cluster stopped to be restarted finds its
/// port still free.
/// </summary>
public sealed class FreePortTests
{
    [Test]
    public void FreePort_IsBindable_AndBelowTheEphemeralRange()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => LocalPostgres.FindFreePort()).ToList();
        foreach (var port in ports.Distinct())
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            Assert.DoesNotThrow(listener.Start, $"port {port} is free");
        }

        if (!OperatingSystem.IsLinux())
            Assert.Ignore("the ephemeral range is read from Linux's /proc");
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0],
            System.Globalization.CultureInfo.InvariantCulture);
        if (ephemeralStart <= 20_000)
            Assert.Ignore($"the ephemeral range starts at {ephemeralStart}: no room below it");
        Assert.That(ports, Has.All.InRange(20_000, ephemeralStart - 1), "outside what outgoing connections are given");
        Assert.That(ports.Distinct().Count(), Is.EqualTo(ports.Count), "never the same port twice in one process");
    }
}
