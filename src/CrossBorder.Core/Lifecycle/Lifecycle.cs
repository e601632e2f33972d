using CrossBorder.Core.Exchange;

namespace CrossBorder.Core.Lifecycle;

/// <summary>One lifecycle step a ministry takes: its path segment, its message and who may take it.</summary>
public sealed record StepDefinition(string Name, string MessageType, Side TakenBy);

/// <summary>
/// docs/domain.md's lifecycle table as code: which step moves which status where, and who takes it. Both
/// nodes run this same function on the same signed messages, so they reach the same status.
/// </summary>
public static class Lifecycle
{
    public const string InformationRequest = "information-request";
    public const string Information = "information";
    public const string Decision = "decision";
    public const string ReexaminationRequest = "reexamination-request";
    public const string TransferProposal = "transfer-proposal";
    public const string TransferCompletion = "transfer-completion";
    public const string Withdrawal = "withdrawal";

    public static readonly IReadOnlyList<StepDefinition> Steps =
    [
        new(InformationRequest, MessageTypes.InformationRequested, Side.Requested),
        new(Information, MessageTypes.InformationProvided, Side.Requesting),
        new(Decision, MessageTypes.Decided, Side.Requested),
        new(ReexaminationRequest, MessageTypes.ReexaminationRequested, Side.Requesting),
        new(TransferProposal, MessageTypes.TransferProposed, Side.Requesting),
        new(TransferCompletion, MessageTypes.TransferCompleted, Side.Requested),
        new(Withdrawal, MessageTypes.Withdrawn, Side.Requesting),
    ];

    public static StepDefinition? Find(string name) => Steps.FirstOrDefault(s => s.Name == name);

    public static StepDefinition? ForMessage(string messageType) => Steps.FirstOrDefault(s => s.MessageType == messageType);

    /// <summary>
    /// The status a step leads to from <paramref name="status"/>, or null when the step is not allowed
    /// there. <paramref name="accepted"/> is the decision's outcome (only read for <see cref="Decision"/>).
    /// </summary>
    public static string? Next(string status, string step, bool accepted = false) => (step, status) switch
    {
        (InformationRequest, ReferralStatus.UnderExamination) => ReferralStatus.InformationRequested,
        (Information, ReferralStatus.InformationRequested) => ReferralStatus.UnderExamination,
        (Decision, ReferralStatus.UnderExamination) => accepted ? ReferralStatus.Accepted : ReferralStatus.Refused,
        (Decision, ReferralStatus.ReexaminationRequested) => accepted ? ReferralStatus.Accepted : ReferralStatus.RefusedFinal,
        (ReexaminationRequest, ReferralStatus.Refused) => ReferralStatus.ReexaminationRequested,
        (TransferProposal, ReferralStatus.Accepted or ReferralStatus.TacitlyAccepted) => ReferralStatus.TransferPlanned,
        (TransferCompletion, ReferralStatus.TransferPlanned) => ReferralStatus.Transferred,
        (Withdrawal, _) when !ReferralStatus.IsClosed(status) => ReferralStatus.Withdrawn,
        _ => null,
    };

    /// <summary>The steps <paramref name="side"/> may take from <paramref name="status"/>.</summary>
    public static IReadOnlyList<string> Allowed(string status, Side side) =>
        Steps.Where(s => s.TakenBy == side && (Next(status, s.Name, true) is not null || Next(status, s.Name) is not null))
            .Select(s => s.Name).ToList();
}
