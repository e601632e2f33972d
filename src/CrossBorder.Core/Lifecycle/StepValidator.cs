using System.Text.Json;
using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Lifecycle;

/// <summary>Reads and validates a step's body; every bad field is reported by JSON path, values never echoed.</summary>
public static class StepValidator
{
    public static Type BodyType(string step) => step switch
    {
        Lifecycle.InformationRequest => typeof(InformationRequestBody),
        Lifecycle.Information => typeof(InformationBody),
        Lifecycle.Decision => typeof(DecisionBody),
        Lifecycle.ReexaminationRequest => typeof(ReexaminationRequestBody),
        Lifecycle.TransferProposal => typeof(TransferProposalBody),
        Lifecycle.TransferCompletion => typeof(TransferCompletionBody),
        Lifecycle.Withdrawal => typeof(WithdrawalBody),
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    /// <exception cref="JsonException">The body is not JSON of the step's shape.</exception>
    public static object Read(string step, ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, BodyType(step), ReferralJson.Options) ?? throw new JsonException("The body is null.");

    /// <param name="today">Today's date, in UTC.</param>
    /// <param name="transferDueAt">The case's transfer deadline, when known.</param>
    public static IReadOnlyDictionary<string, string[]> Validate(object body, DateOnly today, DateTimeOffset? transferDueAt)
    {
        var errors = new ValidationErrors();
        AnnotationWalker.Walk(body, "", errors);
        switch (body)
        {
            case DecisionBody { Outcome: DecisionOutcome.REFUSE, Reasons: null or "" }:
                errors.Add("reasons", "Required when refusing.");
                break;
            case TransferProposalBody proposal:
                if (proposal.TransferDate < today)
                    errors.Add("transferDate", "Must not be in the past.");
                if (transferDueAt is { } due && proposal.TransferDate > DateOnly.FromDateTime(due.UtcDateTime))
                    errors.Add("transferDate", "Must not be after the transfer deadline.");
                break;
            case TransferCompletionBody { ArrivedOn: var arrived } when arrived > today:
                errors.Add("arrivedOn", "Must not be in the future.");
                break;
        }
        return errors.ToDictionary();
    }
}
