namespace CrossBorder.Node.Peers;

/// <summary>How a peer node is named as an OAuth client of this node's token server: <c>node-</c> and its country.</summary>
public static class PeerIdentity
{
    public const string Prefix = "node-";

    public static string ClientIdOf(string country) => Prefix + country;

    public static bool IsPeer(string? clientId) => clientId?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    /// <summary>The peer's country, or null when <paramref name="clientId"/> is not a peer's.</summary>
    public static string? CountryOf(string? clientId) => IsPeer(clientId) ? clientId![Prefix.Length..] : null;
}
