using System.Net;
using System.Net.Sockets;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// A load balancer in front of a node's replicas, as a deployment puts one: it listens on the node's public port and
/// hands each new connection to the next replica that accepts one (round robin, skipping replicas that refuse), then
/// copies bytes both ways. A connection to a replica that dies breaks, as it would behind a real balancer; the client
/// reconnects and lands on a live replica. No HTTP parsing: what the nodes see is what the clients sent.
/// </summary>
public sealed class TcpFront : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly TcpListener _listener;
    private readonly int[] _replicaPorts;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _next;

    public TcpFront(int port, IEnumerable<int> replicaPorts)
    {
        _replicaPorts = [.. replicaPorts];
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start(backlog: 512);
        _accepting = AcceptAsync(_stop.Token);
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // one failed accept (a client gone before it was taken, no descriptors for a moment): the next
            }

            _ = Task.Run(() => ForwardAsync(client, ct), CancellationToken.None);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken ct)
    {
        using (client)
        {
            client.NoDelay = true;
            using var replica = await ConnectAnyAsync(ct);
            if (replica is null)
            {
                return; // every replica refused: the client sees the connection close, as with a balancer and no backend
            }

            await using var fromClient = new NetworkStream(client, ownsSocket: false);
            await using var fromReplica = new NetworkStream(replica, ownsSocket: false);
            using var broken = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // An end of stream is passed on as a half-close and the other direction goes on (a client may half-close after
            // its request and still read the answer); a broken side (a killed replica resets) ends both at once.
            await Task.WhenAll(CopyAsync(fromClient, fromReplica, replica, broken), CopyAsync(fromReplica, fromClient, client, broken));
        }
    }

    private static async Task CopyAsync(NetworkStream from, NetworkStream to, Socket toSocket, CancellationTokenSource broken)
    {
        try
        {
            await from.CopyToAsync(to, 16 * 1024, broken.Token);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            toSocket.LingerState = new LingerOption(true, 0); // closes with a reset: the other end sees the break at once
            await broken.CancelAsync();
        }
    }

    private async Task<Socket?> ConnectAnyAsync(CancellationToken ct)
    {
        var first = Interlocked.Increment(ref _next);
        for (var i = 0; i < _replicaPorts.Length; i++)
        {
            var port = _replicaPorts[(int)((uint)(first + i) % _replicaPorts.Length)];
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
