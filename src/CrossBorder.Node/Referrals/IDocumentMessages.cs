using CrossBorder.Core.Exchange;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// Messages of a case that are not lifecycle steps: they carry documents (implemented in <c>Attachments/PeerAttachments</c>).
/// <see cref="PeerMessages"/> checks the case, the parties and the sequence, then hands them here, inside the exchange's
/// transaction with the referral row locked.
/// </summary>
public interface IDocumentMessages
{
    bool Handles(string messageType);

    /// <summary>The peer's verified, in-sequence message for <paramref name="referral"/> (locked): accept it, or say why not.</summary>
    Task<ApplyResult> ApplyAsync(Referral referral, MessageEnvelope envelope, DateTimeOffset now, CancellationToken ct);

    /// <summary>The peer's verified receipt of this node's <paramref name="message"/>.</summary>
    Task ReceiptStoredAsync(Referral referral, ExchangeMessage message, DateTimeOffset receivedAt, CancellationToken ct);
}
