namespace CrossBorder.Core.Audit;

/// <summary>The kinds of audit entries: stable strings auditors filter on.</summary>
public static class AuditKinds
{
    public const string MessageSent = "message.sent";
    public const string MessageReceived = "message.received";
    public const string MessageDelivered = "message.delivered";
    public const string StepTaken = "step.taken";
    public const string PersonalDataRead = "personal_data.read";
    public const string TokenIssued = "token.issued";

    /// <summary>A person signed in to the console (the entry names the account id, never the person).</summary>
    public const string ConsoleSignIn = "console.sign_in";

    /// <summary>A console account added, disabled or reset with the CLI (the code says which; the entry names the account id).</summary>
    public const string ConsoleAccountChanged = "console.account_changed";

    /// <summary>An operator put a dead-lettered message back in the outbox.</summary>
    public const string MessageRedriven = "message.redriven";

    /// <summary>A message refused by this node (bad signature, unknown key, replay, wrong addressee, stale...).</summary>
    public const string SecurityMessageRejected = "security.message_rejected";

    /// <summary>A token request refused by the token server (unknown client, bad secret or assertion, bad request).</summary>
    public const string SecurityTokenRefused = "security.token_refused";

    /// <summary>A token used on an operation its scopes do not grant (HTTP 403).</summary>
    public const string SecurityForbidden = "security.forbidden";

    /// <summary>An Idempotency-Key reused with a different request.</summary>
    public const string SecurityIdempotencyMisuse = "security.idempotency_misuse";

    /// <summary>A peer's checkpoint refused: its log shrank, forked, or is not validly signed.</summary>
    public const string SecurityWitnessRefused = "security.witness_refused";

    /// <summary>A case's data key destroyed (retention, or an order): its personal data and message texts are gone.</summary>
    public const string ReferralErased = "referral.erased";

    /// <summary>A console sign-in refused: wrong name or password, a locked or disabled account.</summary>
    public const string SecuritySignInRefused = "security.sign_in_refused";

    /// <summary>
    /// A ministry client uploaded a document to a case: the entry names the client, the case, the signed message that
    /// carries the digest, and in its detail the attachment id, SHA-256, size and media type (never a file name).
    /// </summary>
    public const string AttachmentUploaded = "attachment.uploaded";

    /// <summary>Every kind, for filters and the contract's enums. New kinds may be added; readers tolerate unknown ones.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        MessageSent, MessageReceived, MessageDelivered, StepTaken, PersonalDataRead, TokenIssued, SecurityMessageRejected,
        SecurityTokenRefused, SecurityForbidden, SecurityIdempotencyMisuse, SecurityWitnessRefused, ReferralErased,
        ConsoleSignIn, ConsoleAccountChanged, MessageRedriven, SecuritySignInRefused, AttachmentUploaded,
    ];

    public static bool IsSecurityEvent(string kind) => kind.StartsWith("security.", StringComparison.Ordinal);
}
