using System.Text.Json.Nodes;
using System.Text.Json;
using CrossBorder.Node.Contract;
using CrossBorder.Node.Operations;
namespace CrossBorder.Node.Contract;

/// <summary>Success examples of the console's operations (<see cref="OperationsEndpoints"/>), by operation id.</summary>
public static class OperationsExamples
{
    private static readonly Guid Referral = Guid.Parse(OperationExamples.ReferralId);
    private static readonly Guid Message = Guid.Parse(OperationExamples.MessageId);
    private static readonly DateTimeOffset At = Time("2026-10-20T09:15:00.123Z");
    private const string Digest = "q1MKE-RZFJgrefm34_uhxhBnPlWWmnFW0K9a7qgPyAY";

    public static JsonNode? Response(string operationId) => operationId switch
    {
        "GetMessageSummary" => Serialize(new MessageSummary(
            [new("incoming", "received", 12), new("outgoing", "dead_letter", 1), new("outgoing", "delivered", 40), new("outgoing", "queued", 2)],
            At, 4.2, 1, At.AddSeconds(4.2))),
        "ListDeadLetters" => Serialize(new DeadLetterPage(
            [new DeadLetterView(Message, Referral, "referral.submitted", 1, "GB", At, 1, At.AddMilliseconds(250),
                "400 CB0106 The message time is outside the accepted window.")], null)),
        "RedriveDeadLetter" => Serialize(new RedriveResult(Message, Referral, "queued", At.AddMinutes(30))),
        "ListPeerStatus" => Serialize(new PeerStatusList(
            [new PeerStatusView("GB", "http://127.0.0.1:5102/", "closed", null, 0, 1, At.AddSeconds(1), At.AddSeconds(5))])),
        "GetThroughput" => Serialize(new ThroughputView(Time("2026-10-20T09:14:00Z"), Time("2026-10-20T09:16:00Z"), 60,
            [
                new ThroughputBucket(Time("2026-10-20T09:14:00Z"), 3, 3, 1, 41.5, 80.2, 96.0),
                new ThroughputBucket(Time("2026-10-20T09:15:00Z"), 0, 0, 0, null, null, null),
            ])),
        "ListKeys" => Serialize(new KeyList(
            [
                new KeyView("FR", true, "FR-2026-01", "EC", "P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                    "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", true, null, null),
                new KeyView("GB", false, "GB-2026-01", "EC", "P-256", "60FedNBCSU1yMqg0EYjIBiL-6EqxyyKvRTxZhkEJ8LY",
                    "bXMCBMBCe8VLUvGRKFbYnUYUmGbBvO5Gv2NqkMfc8v4", false, null, null),
            ])),
        "ListAuditCheckpoints" => Serialize(new CheckpointPage(
            [new CheckpointItem(2, "HDmcG_pxj-Qr9y3ysx5XbgtrrGDdTOSmALybXC_ZPKE", At.AddSeconds(5),
                "eyJhbGciOiJFUzI1NiIsImtpZCI6IkZSLTIwMjYtMDEiLCJ0eXAiOiJjcm9zc2JvcmRlci1jaGVja3BvaW50K2p3cyJ9.eyJ0cmVlU2l6ZSI6Mn0.c2lnbmF0dXJl",
                "eyJhbGciOiJFUzI1NiIsImtpZCI6IkdCLTIwMjYtMDEiLCJ0eXAiOiJjcm9zc2JvcmRlci1jb3NpZ25hdHVyZStqd3MifQ.eyJ0cmVlU2l6ZSI6Mn0.c2lnbmF0dXJl",
                "GB")], null)),
        "GetCaseTimeline" => Serialize(new CaseTimeline(Referral, "FR-5-2026-000001", "outgoing", "UNDER_EXAMINATION", "DUBLIN_III_ART8",
            "FR", "GB", At, [new CaseDeadline("reply", At.AddMonths(2), false)],
            [new CaseMessage(Message, "outgoing", 1, "referral.submitted", At, At.AddMilliseconds(333), "delivered", Digest)],
            [new CaseStep("submission", null, "FR", "SUBMITTED", "UNDER_EXAMINATION", At.AddMilliseconds(333), At.AddMilliseconds(333), null, "applied")])),
        _ => null,
    };

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static JsonNode Serialize<T>(T value) => JsonSerializer.SerializeToNode(value, JsonSerializerOptions.Web)!;
}
