using System.Net;
using System.Net.Sockets;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// A peer's port that accepts connections and never answers: a send to it hangs, holding its claim, until its timeout.
/// Dispose it to close every held connection and free the port (for the real peer to start there).
/// </summary>
internal sealed class BlackholePeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<TcpClient> _held = [];
    private readonly Task _accepting;

    public BlackholePeer(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = Task.Run(async () =>
        {
            try { while (true) _held.Add(await _listener.AcceptTcpClientAsync()); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
        foreach (var socket in _held) socket.Dispose();
    }
}
