using CrossBorder.Core.Exchange;
using CrossBorder.Node.Data;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// What the exchange asks of the capability that owns the cases (implemented in <c>Referrals/PeerMessages</c>): the
/// exchange verifies, stores, signs and sends; what a message or a receipt means for a case is decided there. Each
/// call runs inside the exchange's transaction, with the referral row locked as <c>Data/LockIds</c> orders.
/// </summary>
public interface ICaseMessages
{
    /// <summary>A verified, in-window, first-seen message from the peer: apply it to this node's copy of its case.</summary>
    Task<ApplyResult> ApplyAsync(MessageEnvelope envelope, DateTimeOffset now, CancellationToken ct);

    /// <summary>The peer's verified receipt of this node's <paramref name="message"/>: its time is the message's legal time.</summary>
    Task ReceiptStoredAsync(Referral referral, ExchangeMessage message, DateTimeOffset receivedAt, CancellationToken ct);

    /// <summary>A message's first failed delivery, or its dead letter.</summary>
    void DeliveryFailed(Referral referral, ExchangeMessage message, bool deadLetter);
}
