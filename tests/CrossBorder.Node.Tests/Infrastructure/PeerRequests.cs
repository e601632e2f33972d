using CrossBorder.Node.Peers;

namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>What a handler inside the peer pipeline sees go out.</summary>
public static class PeerRequests
{
    /// <summary>A delivery of one signed message (not a token request, not the audit witness, not an attachment).</summary>
    public static bool IsDelivery(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/" + PeerClient.MessagesPath, StringComparison.Ordinal);
}
