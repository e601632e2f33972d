using System.Net;
using System.Net.Sockets;
using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// The balancer <c>bench faults</c> puts in front of a country's replicas: a connection reaches a live replica and its
/// bytes go both ways, connections spread over the live replicas, a dead one is skipped, and with none alive the
/// client's connection ends instead of hanging.
/// </summary>
public sealed class TcpFrontTests
{
    [Test]
    public async Task Connections_ReachLiveReplicasInTurn_SkippingADeadOne_BytesBothWays()
    {
        using var a = new EchoReplica();
        using var b = new EchoReplica();
        var dead = LocalPostgres.FindFreePort(); // nothing listens there
        var port = LocalPostgres.FindFreePort();
        await using var front = new TcpFront(port, [dead, a.Port, b.Port]);

        for (var i = 0; i < 6; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync(new[] { (byte)i });
            var echo = new byte[1];
            Assert.That(await stream.ReadAsync(echo), Is.EqualTo(1), $"connection {i} got an answer");
            Assert.That(echo[0], Is.EqualTo((byte)(i + 1)), "the replica's answer came back through the front");
        }

        Assert.That(a.Accepted + b.Accepted, Is.EqualTo(6));
        Assert.That(a.Accepted, Is.GreaterThanOrEqualTo(2), "connections spread over both live replicas");
        Assert.That(b.Accepted, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task ClientHalfClosesAfterItsRequest_StillGetsTheWholeAnswer()
    {
        using var replica = new EchoReplica(delay: TimeSpan.FromMilliseconds(200));
        var port = LocalPostgres.FindFreePort();
        await using var front = new TcpFront(port, [replica.Port]);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.SendAsync(new byte[] { 41 });
        client.Shutdown(SocketShutdown.Send); // "that is all I send"; the answer comes after

        var answer = new byte[1];
        Assert.That(await client.ReceiveAsync(answer), Is.EqualTo(1), "the answer came through the half-closed connection");
        Assert.That(answer[0], Is.EqualTo(42));
        Assert.That(await client.ReceiveAsync(answer), Is.Zero, "then the replica's close");
    }

    [Test]
    public async Task NoReplicaAlive_TheClientsConnectionEnds()
    {
        var port = LocalPostgres.FindFreePort();
        await using var front = new TcpFront(port, [LocalPostgres.FindFreePort()]);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read;
        try
        {
            read = await stream.ReadAsync(new byte[1], timeout.Token);
        }
        catch (IOException)
        {
            read = 0; // a reset ends it too
        }

        Assert.That(read, Is.Zero, "the front closed the connection");
    }

    /// <summary>A replica that answers each byte with that byte plus one (after <c>delay</c>), and counts its connections.</summary>
    private sealed class EchoReplica : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _accepted;

        public EchoReplica(TimeSpan delay = default)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    Socket socket;
                    try { socket = await _listener.AcceptSocketAsync(); }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                    Interlocked.Increment(ref _accepted);
                    _ = Task.Run(async () =>
                    {
                        using (socket)
                        {
                            var buffer = new byte[1];
                            while (await socket.ReceiveAsync(buffer) == 1)
                            {
                                await Task.Delay(delay);
                                buffer[0]++;
                                await socket.SendAsync(buffer);
                            }
                        }
                    });
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose() => _listener.Stop();
    }
}
