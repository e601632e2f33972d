using System.Net;
using System.Net.Sockets;

namespace CrossBorder.Cli.Local;

/// <summary>Refuses to start on a port something else already listens on (a readiness poll would find that other server).</summary>
public static class PortCheck
{
    public static void EnsureFree(int port, string what, string option)
    {
        if (!IsFree(port))
            throw new InvalidOperationException($"port {port} for the {what} is already in use on 127.0.0.1; pick another with {option}");
    }

    /// <summary>Whether a listener can take <paramref name="port"/> on 127.0.0.1 now (another process may take it later).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
