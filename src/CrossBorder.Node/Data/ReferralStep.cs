namespace CrossBorder.Node.Data;

/// <summary>
/// One entry of a case's history on this node: a step taken here, a step received from the peer, or a
/// status change by rule (a lapsed deadline). Personal content (reasons, answers) lives only in the
/// encrypted messages; this row holds what both nodes must agree on.
/// </summary>
public sealed class ReferralStep
{
    public Guid Id { get; set; }
    public Guid ReferralId { get; set; }

    /// <summary>The step name (<c>decision</c>…), <c>submission</c>, or <c>deadline:reply</c> and the like.</summary>
    public required string Step { get; set; }
    public string? Outcome { get; set; }

    /// <summary>The country that took the step, or <c>rule</c> for a lapsed deadline.</summary>
    public required string TakenBy { get; set; }
    public required string FromStatus { get; set; }
    public required string ToStatus { get; set; }

    /// <summary>Its legal time: the receipt time for steps (the taking time while pending), the deadline itself for lapses.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>When the taking node took it, by its own clock (the message's <c>sentAt</c>).</summary>
    public DateTimeOffset? TakenAt { get; set; }

    /// <summary>The receiver's signed receipt time: the step's legal time. Null while the step awaits its receipt.</summary>
    public DateTimeOffset? LegalAt { get; set; }

    /// <summary>Whether the receipt time was at or before the deadline the step answered (null: it answered none).</summary>
    public bool? InTime { get; set; }

    /// <summary>The step's time on the requesting state's clock, which orders crossing steps (docs/agreement.md).</summary>
    public DateTimeOffset? OrderAt { get; set; }

    /// <summary>Position in the case history, the same on both nodes; null while pending or held.</summary>
    public int? Position { get; set; }

    /// <summary><see cref="StepStates"/>.</summary>
    public string State { get; set; } = StepStates.Applied;
    public Guid? MessageId { get; set; }

    /// <summary>Not allowed from the status it met (a step that lost a crossing, or a peer's step out of turn): stored, not applied.</summary>
    public bool Conflict { get; set; }
}

/// <summary>Where a history entry stands (docs/agreement.md).</summary>
public static class StepStates
{
    /// <summary>Applied: it moved the case (or it is a lapse by rule).</summary>
    public const string Applied = "applied";

    /// <summary>Taken here and sent; awaiting the peer's signed receipt, which decides it.</summary>
    public const string Pending = "pending";

    /// <summary>Received from the peer while a step of this node awaits its receipt: applied in order once it arrives.</summary>
    public const string Held = "held";

    /// <summary>Its receipt time was after a deadline that had lapsed: stored, not applied; the lapse stands.</summary>
    public const string Late = "late";

    /// <summary>Not allowed from the status it met (lost a crossing): stored, not applied.</summary>
    public const string Conflict = "conflict";
}
