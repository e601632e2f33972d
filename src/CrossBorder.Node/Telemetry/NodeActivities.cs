using System.Diagnostics;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The node's own spans. Their names and attributes carry ids, types, codes and country codes only, never a body.
/// Work that starts in the background (an outbox delivery, an audit cosignature) gets a span of its own here, so the
/// peer call it makes has a parent and carries a sampled <c>traceparent</c>: the peer's server span continues it.
/// </summary>
public static class NodeActivities
{
    public const string SourceName = "CrossBorder.Node";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The request for the peer's cosignature of one of this node's checkpoints.</summary>
    public static Activity? StartCosign(string peer, long treeSize) =>
        Source.StartActivity("audit cosign", ActivityKind.Internal)?
            .SetTag("crossborder.peer", peer)
            .SetTag("crossborder.audit.tree_size", treeSize);
}
