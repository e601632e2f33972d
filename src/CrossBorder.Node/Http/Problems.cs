using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CrossBorder.Node.Http;

/// <summary>A stable problem: machine code, HTTP status and title. Peers and ministries react to codes.</summary>
public sealed record ProblemKind(string Code, int Status, string Title)
{
    public string Type => $"https://crossborder.example/problems/{Code}";
}

/// <summary>Every problem the node can answer with (RFC 9457), in one place.</summary>
public static class Problems
{
    public static readonly ProblemKind Validation = new("CB0001", 400, "The request is not valid.");
    public static readonly ProblemKind MalformedJson = new("CB0002", 400, "The request body is not valid JSON for this operation.");
    public static readonly ProblemKind IdempotencyKeyMissing = new("CB0003", 400, "An Idempotency-Key header is required.");
    public static readonly ProblemKind IdempotencyKeyReused = new("CB0004", 422, "This Idempotency-Key was already used with a different request.");
    public static readonly ProblemKind IdempotencyKeyInFlight = new("CB0005", 409, "A request with this Idempotency-Key is still being processed.");
    public static readonly ProblemKind NotFound = new("CB0006", 404, "No such resource.");
    public static readonly ProblemKind PayloadTooLarge = new("CB0007", 413, "The request body is too large.");
    public static readonly ProblemKind UnsupportedMediaType = new("CB0008", 415, "The request content type is not supported.");
    public static readonly ProblemKind BadCursor = new("CB0009", 400, "The cursor is not valid.");
    public static readonly ProblemKind Unauthorized = new("CB0010", 401, "A valid bearer token is required.");
    public static readonly ProblemKind Forbidden = new("CB0011", 403, "The token does not grant access to this operation.");
    public static readonly ProblemKind RateLimited = new("CB0012", 429, "Too many requests.");
    public static readonly ProblemKind Internal = new("CB0013", 500, "The node could not complete the request.");
    public static readonly ProblemKind PreconditionRequired = new("CB0014", 428, "An If-Match header is required.");
    public static readonly ProblemKind PreconditionFailed = new("CB0015", 412, "The If-Match ETag is not the referral's current one.");
    public static readonly ProblemKind StepNotAllowed = new("CB0016", 409, "This step is not allowed in the referral's current status.");
    public static readonly ProblemKind WrongSide = new("CB0017", 403, "This step belongs to the other state.");
    public static readonly ProblemKind UriTooLong = new("CB0019", 414, "The request target is too long.");
    public static readonly ProblemKind MethodNotAllowed = new("CB0018", 405, "This method is not allowed on this resource; see Allow.");
    public static readonly ProblemKind Unavailable = new("CB0030", 503, "The node cannot reach its database; nothing was changed. Retry after the Retry-After delay.");
    public static readonly ProblemKind AtCapacity = new("CB0031", 503, "The node is at capacity for writes; nothing was changed. Retry after the Retry-After delay.");

    public static readonly ProblemKind JwsMalformed = new("CB0101", 400, "The message is not a well-formed JWS.");
    public static readonly ProblemKind JwsUnknownKey = new("CB0102", 400, "The message is signed with a key this node does not trust.");
    public static readonly ProblemKind JwsBadSignature = new("CB0103", 400, "The message signature does not verify.");
    public static readonly ProblemKind WrongSender = new("CB0104", 403, "The message sender is not the authenticated peer.");
    public static readonly ProblemKind WrongAddressee = new("CB0105", 400, "The message is not addressed to this node.");
    public static readonly ProblemKind StaleMessage = new("CB0106", 400, "The message time is outside the accepted window.");
    public static readonly ProblemKind MessageReplayed = new("CB0107", 409, "A different message with this id was already received.");
    public static readonly ProblemKind OutOfSequence = new("CB0108", 409, "The message is out of sequence for its referral.");
    public static readonly ProblemKind MessageInvalid = new("CB0109", 400, "The message content is not valid.");
    public static readonly ProblemKind UnknownReferral = new("CB0110", 409, "The message refers to a referral this node does not hold.");
    public static readonly ProblemKind OwnStepInFlight = new("CB0111", 429, "This node's own step for the referral awaits its receipt; deliver again after Retry-After.");

    public static readonly ProblemKind AuditRangeInvalid = new("CB0201", 400, "The index or tree size is outside the sequenced audit log.");
    public static readonly ProblemKind CheckpointInvalid = new("CB0202", 400, "The checkpoint is not a valid signed checkpoint of the calling peer.");
    public static readonly ProblemKind WitnessSizeMismatch = new("CB0203", 409, "The consistency proof does not start at the size this node last cosigned.");
    public static readonly ProblemKind LogShrank = new("CB0204", 409, "The log is smaller than a checkpoint this node already cosigned.");
    public static readonly ProblemKind LogForked = new("CB0205", 409, "The checkpoint is not consistent with the log this node already cosigned.");
    public static readonly ProblemKind Erased = new("CB0210", 410, "The case's personal data was erased.");
    public static readonly ProblemKind PurposeInvalid = new("CB0206", 400, "The X-Purpose header is not valid.");
    public static readonly ProblemKind NoCheckpoint = new("CB0207", 404, "The audit log has no checkpoint yet.");

    // Evidence pack (issue 14)
    public static readonly ProblemKind EvidenceNotReady = new("CB0208", 409, "The peer has not cosigned a checkpoint of this node's audit log yet.");
    public static readonly ProblemKind EvidenceTooLarge = new("CB0209", 409, "The case is beyond the bounds of one evidence pack.");
    // Attachments (issue 14)
    public static readonly ProblemKind AttachmentLimit = new("CB0401", 413, "The case already holds the most attachments allowed.");
    public static readonly ProblemKind AttachmentContentInvalid = new("CB0402", 415, "The content is not a valid document of the declared type (PDF, JPEG or PNG).");
    public static readonly ProblemKind AttachmentContentMissing = new("CB0403", 409, "The attachment's content has not been transferred in full.");
    public static readonly ProblemKind AttachmentOffsetMismatch = new("CB0404", 409, "The transfer does not continue at the offset this node holds.");
    public static readonly ProblemKind AttachmentDigestMismatch = new("CB0405", 400, "The transferred content does not match the digest in the signed message.");
    public static readonly ProblemKind NotDeadLetter = new("CB0301", 409, "Only a dead-lettered outgoing message can be re-driven.");

    public static ProblemHttpResult Result(this ProblemKind kind, HttpContext http, string? detail = null,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = Create(kind, http, detail);
        if (extensions is not null)
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        return TypedResults.Problem(problem);
    }

    public static ValidationProblem ValidationResult(HttpContext http, IDictionary<string, string[]> errors, string? detail = null)
    {
        var problem = TypedResults.ValidationProblem(errors, detail ?? "See 'errors' for every field that is not valid.",
            type: Validation.Type, title: Validation.Title);
        problem.ProblemDetails.Extensions["code"] = Validation.Code;
        problem.ProblemDetails.Extensions["traceId"] = TraceId(http);
        return problem;
    }

    /// <summary>A body that does not read as <paramref name="what"/>: names the JSON path that failed, never the value sent.</summary>
    public static ValidationProblem UnreadableJson(HttpContext http, System.Text.Json.JsonException e, string what)
    {
        var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
        return ValidationResult(http, new Dictionary<string, string[]>
        {
            [path.TrimStart('$').TrimStart('.') is { Length: > 0 } p ? p : "$"] =
                ["The value is missing, of the wrong type, or not one of the allowed values."],
        }, $"The body could not be read as {what}.");
    }

    /// <summary>A case whose data key was destroyed (retention or an order): its metadata and evidence remain.</summary>
    public static ProblemHttpResult ReferralErased(HttpContext http, DateTimeOffset erasedAt) =>
        Erased.Result(http, "This case's personal data and message texts were erased; its metadata, digests and audit entries remain.",
            new Dictionary<string, object?> { ["erasedAt"] = erasedAt });

    /// <summary>The 404 of every operation on one referral.</summary>
    public static ProblemHttpResult NoSuchReferral(HttpContext http) => NotFound.Result(http, "No referral with this id on this node.");

    public static ProblemDetails Create(ProblemKind kind, HttpContext http, string? detail = null) => new()
    {
        Type = kind.Type,
        Title = kind.Title,
        Status = kind.Status,
        Detail = detail,
        Instance = http.Request.Path,
        Extensions = { ["code"] = kind.Code, ["traceId"] = TraceId(http) },
    };

    public static string TraceId(HttpContext http) => Activity.Current?.Id ?? http.TraceIdentifier;
}
