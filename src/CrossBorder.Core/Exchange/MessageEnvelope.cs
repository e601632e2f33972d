using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Exchange;

/// <summary>
/// The payload of a <c>crossborder-message+jws</c>: one lifecycle step of one referral, addressed
/// from one country's node to the other's. <see cref="Id"/> is fixed when the message is queued and
/// never changes across retries.
/// </summary>
public sealed record MessageEnvelope(
    Guid Id,
    string Type,
    string From,
    string To,
    Guid ReferralId,
    int Seq,
    DateTimeOffset SentAt,
    string LegalBasis,
    JsonElement Body);

/// <summary>The payload of a <c>crossborder-receipt+jws</c>: the receiver's signed proof of receipt.</summary>
public sealed record Receipt(
    Guid MessageId,
    string Digest,
    DateTimeOffset ReceivedAt,
    string Receiver,
    string Outcome,
    long? LogIndex);

public static class ReceiptOutcomes
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
}

public static class JwsTypes
{
    public const string Message = "crossborder-message+jws";
    public const string Receipt = "crossborder-receipt+jws";
    public const string Checkpoint = "crossborder-checkpoint+jws";
}

public static class MessageTypes
{
    public const string Submitted = "referral.submitted";
    public const string InformationRequested = "referral.information-requested";
    public const string InformationProvided = "referral.information-provided";
    public const string Decided = "referral.decided";
    public const string ReexaminationRequested = "referral.reexamination-requested";
    public const string TransferProposed = "referral.transfer-proposed";
    public const string TransferCompleted = "referral.transfer-completed";
    public const string Withdrawn = "referral.withdrawn";

    /// <summary>A document of the case: its digest, media type and size (the content travels beside the message).</summary>
    public const string AttachmentAdded = "attachment.added";
}

/// <summary>Wire JSON for envelopes and receipts: camelCase, no unknown members tolerated.</summary>
public static class ExchangeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("The payload is null.");
}
