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

    /// <summary>When it took effect: the sender's <c>sentAt</c> for steps, the deadline itself for lapses.</summary>
    public DateTimeOffset At { get; set; }
    public Guid? MessageId { get; set; }

    /// <summary>Received from the peer but not allowed from this node's status: stored, not applied.</summary>
    public bool Conflict { get; set; }
}
