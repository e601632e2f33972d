using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Data;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Workers;
namespace CrossBorder.Node.Exchange;

/// <summary>
/// Queues a signed message to the peer inside the caller's transaction: the message (and its audit entry)
/// exists if and only if the business change that produced it commits, and this replica's dispatcher is
/// woken once it has. The JWS is signed once, here; retries send these exact bytes.
/// </summary>
public sealed class Outbox(NodeDbContext db, NodeKeys keys, TimeProvider time, Audit.AuditLog audit, Telemetry.ExchangeTelemetry telemetry)
{
    // sentAt: the message's time when the caller fixed it (a step's order time, docs/agreement.md); default now.
    public ExchangeMessage Queue(Referral referral, string type, object body, DateTimeOffset? sentAt = null)
    {
        var now = sentAt ?? time.GetUtcNow().TruncateToMilliseconds();
        referral.LastOutgoingSeq++;
        var peer = referral.Direction == Directions.Outgoing ? referral.RequestedState : referral.RequestingState;
        // The wire shape of MessageEnvelope, with the body written straight from its object (one serializer pass).
        var envelope = new OutgoingEnvelope(Guid.CreateVersion7(now), type,
            From: referral.Direction == Directions.Outgoing ? referral.RequestingState : referral.RequestedState,
            To: peer, referral.Id, referral.LastOutgoingSeq, now, referral.LegalBasis, body);
        var jws = Jws.Sign(ExchangeJson.Serialize(envelope), keys.Signing, JwsTypes.Message);

        var message = new ExchangeMessage
        {
            Id = envelope.Id,
            ReferralId = referral.Id,
            Direction = Directions.Outgoing,
            Seq = envelope.Seq,
            Type = type,
            FromCountry = envelope.From,
            ToCountry = envelope.To,
            SentAt = now,
            Jws = keys.Cipher.Encrypt(referral.WrappedDataKey, referral.Id, MessageColumns.Jws(envelope.Id), System.Text.Encoding.ASCII.GetBytes(jws)),
            Digest = Jws.Digest(jws),
            State = MessageStates.Queued,
            NextAttemptAt = null, // due at once; retry times come from the database clock (OutboxDispatcher)
        };
        db.AddRow(message);
        audit.MessageSent(message);
        telemetry.Queued(message);
        db.WakeAfterCommit(Work.Outbox);
        return message;
    }
}

/// <summary><see cref="MessageEnvelope"/> as the sender writes it: the same members in the same order, the body any object.</summary>
internal sealed record OutgoingEnvelope(Guid Id, string Type, string From, string To, Guid ReferralId, int Seq, DateTimeOffset SentAt,
    string LegalBasis, object Body);

/// <summary>Associated-data labels binding each ciphertext to its message.</summary>
public static class MessageColumns
{
    public static string Jws(Guid messageId) => $"message/{messageId:N}";
}
