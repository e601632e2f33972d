using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Feed;
namespace CrossBorder.Node.Contract;

/// <summary>
/// Request and response examples by operation id. Request examples work as written against a fresh
/// <c>crossborder up</c> (SpecExamplesTests sends them to two nodes); ids of created resources come from
/// the create response, as the response links in the documents say. Lifecycle step bodies are the embedded
/// files in <c>Contract/Examples</c> (the tests post the same bytes); audit examples are computed from two example
/// entries with the real leaf format and Merkle functions, so a verifier can check them.
/// </summary>
public static class OperationExamples
{
    public const string ReferralId = "0199f3a0-6b1c-7d2e-8f3a-4b5c6d7e8f90";
    public const string MessageId = "0199f3a0-6b1d-7a1b-9c2d-3e4f5a6b7c8d";
    public const string ClientSecretPlaceholder = "<clientSecret of nodes.FR.clients.ministry in .local/dev-clients.json>";
    private const string Jws = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkZSLTIwMjYtMDEiLCJ0eXAiOiJjcm9zc2JvcmRlci1tZXNzYWdlK2p3cyJ9.eyJpZCI6IjAxOTlmM2EwLTZiMWQtN2ExYi05YzJkLTNlNGY1YTZiN2M4ZCJ9.MEUCIQDxample0signature0only0for0illustration0AAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private const string Receipt = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkdCLTIwMjYtMDEiLCJ0eXAiOiJjcm9zc2JvcmRlci1yZWNlaXB0K2p3cyJ9.eyJtZXNzYWdlSWQiOiIwMTk5ZjNhMC02YjFkLTdhMWItOWMyZC0zZTRmNWE2YjdjOGQifQ.MEUCIQDxample0receipt0signature0for0illustration0AAAAAAAAAAAAAAAAAAAAAAAAAA";

    /// <summary>Examples of path, query and header parameters, by parameter name.</summary>
    public static readonly IReadOnlyDictionary<string, JsonNode> Parameters = new Dictionary<string, JsonNode>
    {
        ["id"] = ReferralId,
        ["limit"] = 50,
        ["direction"] = "outgoing",
        ["after"] = 0,
        // The audit examples need a log of at least two sequenced entries: a fresh node has them once a token was
        // issued and the CreateReferral example was sent (token.issued, message.sent, ...), within seconds.
        ["index"] = 0,
        ["treeSize"] = 2,
        ["from"] = 1,
        ["to"] = 2,
        ["messageId"] = MessageId,
        ["minutes"] = 60,
        ["attachmentId"] = "0199f3a2-1c4d-7e5f-8a6b-7c8d9e0f1a2b",
        ["referralId"] = ReferralId,
    };

    /// <summary>
    /// The Idempotency-Key example of an operation: one per operation, so that sending every example once as written
    /// never reuses a key for a different request (422); sending the same one again replays the first answer.
    /// </summary>
    public static string IdempotencyKey(string? operationId)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("crossborder-example:" + operationId))[..16];
        bytes[6] = (byte)(bytes[6] & 0x0F | 0x40); // a version 4 (random-looking) UUID
        bytes[8] = (byte)(bytes[8] & 0x3F | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    public static JsonNode? Request(string operationId) => operationId switch
    {
        "Token" => new JsonObject
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "fr-ministry",
            ["client_secret"] = ClientSecretPlaceholder,
            ["scope"] = "referrals.read referrals.write",
        },
        "CreateReferral" => JsonNode.Parse(ExampleDocuments.Referral),
        "DeliverMessage" => Jws,
        "CosignCheckpoint" => new JsonObject
        {
            ["checkpoint"] = CheckpointJws("FR"),
            ["fromSize"] = 1,
            ["proof"] = Hashes(MerkleTree.ConsistencyProof(LeafHashes, 1, 2)),
        },
        _ when StepOf(operationId) is { } step => JsonNode.Parse(ExampleDocuments.Read(StepExampleFile(step.Name))),
        _ => null,
    };

    /// <summary>The embedded example body of a step; the decision's is an acceptance (decision-refuse.json shows a refusal).</summary>
    public static string StepExampleFile(string step) => (step == Lifecycle.Decision ? "decision-accept" : step) + ".json";

    /// <summary>
    /// Named request examples, one per outcome, for operations whose body has several (the decision: accept or refuse);
    /// null for an operation with one outcome, whose single <see cref="Request"/> example is used.
    /// </summary>
    public static IReadOnlyList<(string Name, string Summary, JsonNode Value)>? RequestOutcomes(string operationId) =>
        StepOf(operationId)?.Name == Lifecycle.Decision
            ?
            [
                ("accept", "Accept: the requested state takes charge of the child", JsonNode.Parse(ExampleDocuments.Read("decision-accept.json"))!),
                ("refuse", "Refuse, with the reasons (required when refusing)", JsonNode.Parse(ExampleDocuments.Read("decision-refuse.json"))!),
            ]
            : null;

    /// <summary>What the documents say about the dates in examples (stated once, on the ministry document).</summary>
    public const string DatesNote = "Dates in examples are illustrative: they were valid when the document was written, and a test fails well before any of them would be refused. Rules that depend on the day you send a request (a `transferDate` from today to the transfer deadline, six months after acceptance; an `arrivedOn` or `applicationLodgedOn` not in the future) apply to your values, not to the examples'.";

    /// <summary>The lifecycle step of a <c>Take...</c> operation id (<c>TakeTransferProposal</c> is <c>transfer-proposal</c>).</summary>
    public static StepDefinition? StepOf(string operationId) =>
        Lifecycle.Steps.FirstOrDefault(s => operationId == "Take" + string.Concat(s.Name.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])));

    /// <summary>The success response example of an operation, by status.</summary>
    public static JsonNode? Response(string operationId) => operationId switch
    {
        "Token" => new JsonObject
        {
            ["access_token"] = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZyLXRva2VuIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJmci1taW5pc3RyeSJ9.c2lnbmF0dXJl",
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["scope"] = "referrals.read referrals.write",
        },
        "CreateReferral" => State(ReferralView()),
        "GetReferral" => ReferralView(),
        "ListReferrals" => new JsonObject { ["items"] = new JsonArray(Summary()), ["nextCursor"] = null },
        "ListReferralMessages" => new JsonArray(new JsonObject
        {
            ["id"] = MessageId,
            ["direction"] = "outgoing",
            ["seq"] = 1,
            ["type"] = MessageTypes.Submitted,
            ["from"] = "FR",
            ["to"] = "GB",
            ["sentAt"] = "2026-10-20T09:15:00.123+00:00",
            ["state"] = "delivered",
            ["digest"] = "q1MKE-RZFJgrefm34_uhxhBnPlWWmnFW0K9a7qgPyAY",
            ["jws"] = Jws,
            ["receipt"] = Receipt,
            ["receivedAt"] = "2026-10-20T09:15:00.456+00:00",
        }),
        "GetKeys" => new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                ["y"] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                ["kid"] = "FR-2026-01",
                ["alg"] = "ES256",
                ["use"] = "sig",
            }),
        },
        "DeliverMessage" => Receipt,
        "CosignCheckpoint" => CosignatureJws("GB", "FR"),
        "ListEvents" => Serialize(new FeedPage(
        [
            new FeedEventView(1, Data.FeedEventTypes.Created, Guid.Parse(ReferralId), "FR-5-2026-000001", ReferralStatus.Submitted, null,
                Guid.Parse(MessageId), null, At("2026-10-20T09:15:00.123Z")),
            new FeedEventView(2, Data.FeedEventTypes.Delivered, Guid.Parse(ReferralId), "FR-5-2026-000001", ReferralStatus.Submitted, null,
                Guid.Parse(MessageId), null, At("2026-10-20T09:15:00.456Z")),
        ], 2)),
        "GetLatestEventPosition" => Serialize(new FeedPosition(2)),
        "ListAuditEntries" => Serialize(new AuditEntryPage([.. AuditEntries.Select(EntryView)], null)),
        "GetAuditInclusionProof" => Serialize(new InclusionProofView(0, 2, Hash(MerkleTree.Root(LeafHashes, 2)),
            [.. MerkleTree.InclusionProof(LeafHashes, 0, 2).Select(Hash)])),
        "GetAuditConsistencyProof" => Serialize(new ConsistencyProofView(1, 2, [.. MerkleTree.ConsistencyProof(LeafHashes, 1, 2).Select(Hash)])),
        "GetLatestAuditCheckpoint" => Serialize(new CheckpointView(Checkpoint.OriginOf("FR"), 2, Hash(MerkleTree.Root(LeafHashes, 2)),
            CheckpointTime, CheckpointJws("FR"), new CosignatureView("GB", CosignatureJws("GB", "FR")))),
        "GetReferralEvidence" => Evidence.EvidenceExamples.Pack(Guid.Parse(ReferralId), AuditEntries[1].Digest!, Receipt, AuditEntry.Encode(AuditEntries[1].ToLeaf()),
            [.. MerkleTree.InclusionProof(LeafHashes, 1, 2).Select(Hash)], CheckpointJws("FR"), CosignatureJws("GB", "FR")),
        _ when StepOf(operationId) is { } step => StepResult(step),
        _ => OperationsExamples.Response(operationId), // the console's operations (issue 15)
    };

    /// <summary>The example of a success response in another media type than JSON, when the operation has one.</summary>
    public static JsonNode? Response(string operationId, string mediaType) => (operationId, mediaType) switch
    {
        ("ListAuditEntries", "text/csv") => AuditCsv.Write(AuditEntries.Select(EntryView)),
        (_, "application/json" or "application/jose" or "application/jwk-set+json") => Response(operationId),
        _ => null,
    };

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerOptions.Web) { Converters = { new JsonStringEnumConverter() } };

    private static JsonNode Serialize<T>(T value) => JsonSerializer.SerializeToNode(value, Wire)!;

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);

    private static readonly DateTimeOffset CheckpointTime = At("2026-10-20T09:15:05.000Z");

    /// <summary>The first two entries of a fresh node's log: the ministry's token, then the CreateReferral example's message.</summary>
    private static readonly IReadOnlyList<AuditEntry> AuditEntries =
    [
        new(0, At("2026-10-20T09:14:58.201Z"), AuditKinds.TokenIssued, Client: "fr-ministry", Detail: "scopes=referrals.read referrals.write"),
        new(1, At("2026-10-20T09:15:00.123Z"), AuditKinds.MessageSent, ReferralId: Guid.Parse(ReferralId), MessageId: Guid.Parse(MessageId),
            MessageType: MessageTypes.Submitted, Peer: "GB", Digest: "q1MKE-RZFJgrefm34_uhxhBnPlWWmnFW0K9a7qgPyAY"),
    ];

    private static readonly IReadOnlyList<byte[]> LeafHashes = [.. AuditEntries.Select(e => e.LeafHash())];

    private static AuditEntryView EntryView(AuditEntry e) => new(e.Index, e.Time, e.Kind, e.Client, e.ReferralId, e.MessageId,
        e.MessageType, e.Peer, e.Digest, e.ReceiptDigest, e.Code, e.Purpose, e.Detail, AuditEntry.Encode(e.ToLeaf()));

    private static string Hash(byte[] hash) => Base64Url.EncodeToString(hash);

    private static JsonArray Hashes(IEnumerable<byte[]> hashes) => [.. hashes.Select(h => (JsonNode)Hash(h))];

    /// <summary>A JWS with the real header and payload of the example checkpoint; the signature is illustrative only.</summary>
    private static string CheckpointJws(string origin) =>
        IllustrativeJws(origin, Checkpoint.Type, new Checkpoint(Checkpoint.OriginOf(origin), 2, MerkleTree.Root(LeafHashes, 2), CheckpointTime).ToPayload());

    private static string CosignatureJws(string witness, string origin) =>
        IllustrativeJws(witness, Checkpoint.CosignatureType,
            new Checkpoint(Checkpoint.OriginOf(origin), 2, MerkleTree.Root(LeafHashes, 2), CheckpointTime).ToPayload());

    private static string IllustrativeJws(string country, string type, byte[] payload) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"ES256","kid":"{{country}}-2026-01","typ":"{{type}}"}""")) + "." +
        Base64Url.EncodeToString(payload) + ".MEUCIQDxample0signature0only0for0illustration0AAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    /// <summary>The referral as the node taking <paramref name="step"/> answers it: the status the step leads to, its history entry.</summary>
    private static JsonObject StepResult(StepDefinition step)
    {
        var from = ReferralStatus.All.First(s => Lifecycle.Next(s, step.Name, accepted: true) is not null);
        var to = Lifecycle.Next(from, step.Name, accepted: true)!;
        var requested = step.TakenBy == Side.Requested;
        var view = ReferralView();
        view["direction"] = requested ? "incoming" : "outgoing";
        view["counterpartReference"] = requested ? "FR-5-2026-000001" : "GB-5-2026-000042";
        view["reference"] = requested ? "GB-5-2026-000042" : "FR-5-2026-000001";
        view["receivedAt"] = requested ? "2026-10-20T09:15:00.456+00:00" : null;
        view["status"] = to;
        view["updatedAt"] = "2026-11-02T14:30:00.250+00:00";
        view["allowedSteps"] = new JsonArray([.. Lifecycle.Allowed(to, step.TakenBy).Select(s => (JsonNode)s)]);
        view["history"] = new JsonArray(new JsonObject
        {
            ["step"] = step.Name,
            ["outcome"] = step.Name == Lifecycle.Decision ? "ACCEPT" : null,
            ["takenBy"] = requested ? "GB" : "FR",
            ["fromStatus"] = from,
            ["toStatus"] = to,
            ["at"] = "2026-11-02T14:30:00.250+00:00",
            ["messageId"] = StepMessageId,
            ["conflict"] = false,
        });
        view["delivery"] = Delivery(messageType: step.MessageType, messageId: StepMessageId);
        view["eTag"] = "\"v4\"";
        return State(view);
    }

    /// <summary>What a write answers: the view's metadata, without history or personal data, with links.</summary>
    private static JsonObject State(JsonObject view)
    {
        foreach (var member in new[] { "applicationLodgedOn", "history", "referral" })
            view.Remove(member);
        var id = view["id"]!.GetValue<string>();
        view["links"] = new JsonObject { ["self"] = $"/api/v1/referrals/{id}", ["messages"] = $"/api/v1/referrals/{id}/messages" };
        return view;
    }

    private const string StepMessageId = "019a4b2c-7e10-7c3d-a1b2-c3d4e5f60718";

    private static JsonObject ReferralView() => new()
    {
        ["id"] = ReferralId,
        ["reference"] = "FR-5-2026-000001",
        ["counterpartReference"] = null,
        ["direction"] = "outgoing",
        ["status"] = ReferralStatus.Submitted,
        ["legalBasis"] = "DUBLIN_III_ART8",
        ["requestingState"] = "FR",
        ["requestedState"] = "GB",
        ["urgent"] = false,
        ["applicationLodgedOn"] = "2026-10-02",
        ["createdAt"] = "2026-10-20T09:15:00.123+00:00",
        ["updatedAt"] = "2026-10-20T09:15:00.123+00:00",
        ["receivedAt"] = null,
        ["deadlines"] = Deadlines(null),
        ["delivery"] = Delivery(),
        ["hasConflict"] = false,
        ["allowedSteps"] = new JsonArray("withdrawal"),
        ["history"] = new JsonArray(),
        ["eTag"] = "\"v1\"",
        ["referral"] = JsonNode.Parse(ExampleDocuments.Referral),
    };

    /// <summary>A list item: the view's metadata, once delivered (the reply deadline runs from the receipt).</summary>
    private static JsonObject Summary()
    {
        var summary = ReferralView();
        foreach (var member in new[] { "applicationLodgedOn", "receivedAt", "allowedSteps", "history", "eTag", "referral" })
            summary.Remove(member);
        summary["updatedAt"] = "2026-10-20T09:15:00.456+00:00";
        summary["deadlines"] = Deadlines("2026-12-20T09:15:00.456+00:00");
        summary["delivery"] = Delivery(delivered: true);
        return summary;
    }

    private static JsonObject Deadlines(string? replyDueAt) => new()
    {
        ["replyDueAt"] = replyDueAt,
        ["informationDueAt"] = null,
        ["reexaminationRequestDueAt"] = null,
        ["reexaminationReplyDueAt"] = null,
        ["transferDueAt"] = null,
        ["nextDueAt"] = replyDueAt,
        ["overdue"] = false,
    };

    private static JsonObject Delivery(bool delivered = false, string messageType = MessageTypes.Submitted, string messageId = MessageId) => new()
    {
        ["messageId"] = messageId,
        ["messageType"] = messageType,
        ["state"] = delivered ? "delivered" : "queued",
        ["attempts"] = delivered ? 1 : 0,
        ["lastAttemptAt"] = delivered ? "2026-10-20T09:15:00.200+00:00" : null,
        ["nextAttemptAt"] = delivered ? null : messageId == MessageId ? "2026-10-20T09:15:00.123+00:00" : "2026-11-02T14:30:00.250+00:00",
        ["lastError"] = null,
        ["receiptReceivedAt"] = delivered ? "2026-10-20T09:15:00.456+00:00" : null,
    };
}
