using CrossBorder.Core.Crypto;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Peers;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// Content a message names by its digest and that the peer must hold before it takes the message (an attachment's
/// document, implemented in <c>Attachments/AttachmentTransfer</c>). <see cref="Delivery"/> calls every implementation
/// before it posts a claimed message; an implementation ignores the types that are not its own.
/// </summary>
public interface IMessageContent
{
    /// <summary>
    /// Brings the peer's copy of the content up to date (resuming where the peer's copy stops). Null: done, or nothing to
    /// send; otherwise the peer's answer that refused or failed it, judged like an answer to the message itself. A
    /// network failure throws, as the message post does.
    /// </summary>
    Task<PeerResponse?> SendAsync(ExchangeMessage message, WrappedKey dataKey, PeerOptions peer, CancellationToken ct);
}
