using CrossBorder.Core.Lifecycle;

namespace CrossBorder.Node.Referrals;

/// <summary>What each step endpoint tells integrators.</summary>
public static class StepSummaries
{
    public static string Summary(string step) => step switch
    {
        Lifecycle.InformationRequest => "Ask the requesting state for more information (requested state)",
        Lifecycle.Information => "Answer an information request (requesting state)",
        Lifecycle.Decision => "Accept or refuse, with reasons (requested state)",
        Lifecycle.ReexaminationRequest => "Ask for re-examination of a refusal (requesting state)",
        Lifecycle.TransferProposal => "Propose the transfer date, arrival point and escort (requesting state)",
        Lifecycle.TransferCompletion => "Confirm the child's arrival (requested state)",
        Lifecycle.Withdrawal => "Withdraw the referral, with reason (requesting state)",
        _ => step,
    };

    public static string Description(StepDefinition step) =>
        $"Taken by the {step.TakenBy.ToString().ToLowerInvariant()} state; carried to the peer as a signed `{step.MessageType}` " +
        "message. Requires `If-Match` with the referral's ETag (412 when stale, 428 when missing) and an `Idempotency-Key`. " +
        "A step not allowed from the current status answers 409 naming `currentStatus` and `allowedSteps`; a step of the other " +
        "state answers 403. Answers 200 with the referral's metadata: the step is `pending` in `history` until the peer's " +
        "signed receipt arrives; the receipt time is the step's legal time and decides it (applied when at or before the " +
        "deadline it answers, `late` after it, the lapse standing; a step that crossed one of the requesting state is a " +
        "`conflict` on both nodes; see docs/agreement.md). While a step awaits its receipt no other step is taken here (409).";
}
