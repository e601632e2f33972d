using System.Text.Json.Nodes;

namespace CrossBorder.Node.Attachments;

/// <summary>The examples of the attachment operations (a document's bytes are shown as a short placeholder text).</summary>
public static class AttachmentExamples
{
    private const string ReferralId = "0199f3a0-6b1c-7d2e-8f3a-4b5c6d7e8f90";
    private const string AttachmentId = "0199f3a2-1c4d-7e5f-8a6b-7c8d9e0f1a2b";
    private const string MessageId = "0199f3a2-1c4e-7a1b-9c2d-3e4f5a6b7c8d";
    private const string Sha256 = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";

    public static JsonNode Bytes(string mediaType) => JsonValue.Create(mediaType switch
    {
        ContentCheck.Pdf => "%PDF-1.7 … %%EOF (the document's raw bytes)",
        ContentCheck.Jpeg => "FF D8 FF … FF D9 (the image's raw bytes)",
        ContentCheck.Png => "89 50 4E 47 0D 0A 1A 0A … IEND (the image's raw bytes)",
        _ => "(the range's raw bytes)",
    });

    public static JsonObject View(bool delivered = true) => new()
    {
        ["id"] = AttachmentId,
        ["referralId"] = ReferralId,
        ["mediaType"] = ContentCheck.Pdf,
        ["size"] = 482133,
        ["sha256"] = Sha256,
        ["origin"] = "local",
        ["state"] = "stored",
        ["step"] = null,
        ["messageId"] = MessageId,
        ["createdAt"] = "2026-11-29T10:15:30.123+00:00",
        ["deliveredAt"] = delivered ? "2026-11-29T10:15:31.456+00:00" : null,
        ["links"] = new JsonObject
        {
            ["self"] = $"/api/v1/referrals/{ReferralId}/attachments/{AttachmentId}",
            ["content"] = $"/api/v1/referrals/{ReferralId}/attachments/{AttachmentId}",
        },
    };

    public static JsonObject List() => new() { ["items"] = new JsonArray(View()) };

    public static JsonObject Transfer() => new() { ["received"] = 262144, ["size"] = 482133 };
}
