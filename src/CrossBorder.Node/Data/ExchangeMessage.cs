namespace CrossBorder.Node.Data;

/// <summary>
/// Every signed message of a case, both ways: outgoing rows are the outbox, incoming rows the inbox
/// (the primary key on the message id makes a replay a lookup, never a second apply).
/// The JWS is kept verbatim, encrypted under the referral's data key because it carries personal data.
/// </summary>
public sealed class ExchangeMessage
{
    public Guid Id { get; set; }
    public Guid ReferralId { get; set; }
    public required string Direction { get; set; }
    public int Seq { get; set; }
    public required string Type { get; set; }
    public required string FromCountry { get; set; }
    public required string ToCountry { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public required byte[] Jws { get; set; }

    /// <summary>base64url SHA-256 of the JWS bytes, as in the receipt.</summary>
    public required string Digest { get; set; }

    public string? ReceiptJws { get; set; }
    public DateTimeOffset? ReceivedAt { get; set; }

    /// <summary>Outgoing: queued, delivered or dead_letter. Incoming: received or conflict.</summary>
    public required string State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    /// <summary>Database time until which the claim below holds.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>
    /// The fencing token of the current claim: every update a dispatcher makes to a claimed row checks it, so a
    /// replica whose lease lapsed (and whose row another replica claimed since) changes nothing.
    /// </summary>
    public Guid? LeaseToken { get; set; }
    public string? LastError { get; set; }
}

public static class MessageStates
{
    public const string Queued = "queued";
    public const string Delivered = "delivered";
    public const string DeadLetter = "dead_letter";
    public const string Received = "received";
    public const string Conflict = "conflict";
}
