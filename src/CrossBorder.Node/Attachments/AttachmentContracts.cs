namespace CrossBorder.Node.Attachments;

/// <summary>
/// A document of a case as the ministry API lists it: metadata and digest only (no file name, no description: either
/// may name the child). <c>sha256</c> is base64url, as in the signed <c>attachment.added</c> message.
/// </summary>
public sealed record AttachmentView(
    Guid Id,
    Guid ReferralId,
    string MediaType,
    long Size,
    string Sha256,
    string Origin,
    string State,
    Guid? Step,
    Guid? MessageId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    AttachmentLinks Links);

public sealed record AttachmentLinks(string Self, string Content);

/// <summary>Every complete document of a case, oldest first.</summary>
public sealed record AttachmentList(IReadOnlyList<AttachmentView> Items);

/// <summary>
/// The body of the signed <c>attachment.added</c> message: it names the document by its SHA-256 (base64url); the content
/// itself travels beside it (<c>PUT /exchange/v1/referrals/{referralId}/attachments/{attachmentId}</c>).
/// </summary>
public sealed record AttachmentAdded(Guid AttachmentId, string MediaType, long Size, string Sha256, Guid? Step);

/// <summary>How much of a document's content the receiving node holds: a broken transfer continues from <c>received</c>.</summary>
public sealed record TransferState(long Received, long? Size);

public static class AttachmentMessages
{
    public const string Added = CrossBorder.Core.Exchange.MessageTypes.AttachmentAdded;
}
