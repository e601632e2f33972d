using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Lifecycle;

/// <summary>Body of <c>information-request</c>: what the requested state needs to decide.</summary>
public sealed record InformationRequestBody
{
    /// <summary>The questions, one per item.</summary>
    [Required, MinLength(1), MaxLength(20), ListItems(MaxLength = 2000)]
    public required IReadOnlyList<string> Questions { get; init; }
}

/// <summary>Body of <c>information</c>: the requesting state's answer, with any new evidence.</summary>
public sealed record InformationBody
{
    /// <summary>The answers.</summary>
    [Required, StringLength(8000, MinimumLength = 1)]
    public required string Answer { get; init; }

    /// <summary>Evidence added with the answer.</summary>
    [MaxLength(ReferralLimits.EvidenceItems)]
    public IReadOnlyList<EvidenceItem> Evidence { get; init; } = [];
}

/// <summary>Outcome of a decision.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<DecisionOutcome>))]
public enum DecisionOutcome
{
    /// <summary>The requested state takes charge of the child.</summary>
    ACCEPT,

    /// <summary>The requested state refuses (reasons required).</summary>
    REFUSE,
}

/// <summary>Body of <c>decision</c>: accept, or refuse with reasons.</summary>
public sealed record DecisionBody
{
    [Required]
    public required DecisionOutcome Outcome { get; init; }

    /// <summary>Reasons: required when refusing.</summary>
    [StringLength(4000)]
    public string? Reasons { get; init; }

    /// <summary>Legal provisions relied on (e.g. <c>Art. 8(1)</c>).</summary>
    [MaxLength(10), ListItems(MaxLength = 200)]
    public IReadOnlyList<string> LegalProvisions { get; init; } = [];
}

/// <summary>Body of <c>reexamination-request</c>: why the refusal should be reconsidered.</summary>
public sealed record ReexaminationRequestBody
{
    [Required, StringLength(4000, MinimumLength = 1)]
    public required string Reasons { get; init; }

    /// <summary>Evidence added with the request.</summary>
    [MaxLength(ReferralLimits.EvidenceItems)]
    public IReadOnlyList<EvidenceItem> AdditionalEvidence { get; init; } = [];
}

/// <summary>Escort arrangements for a transfer.</summary>
public sealed record Escort
{
    public required bool Required { get; init; }

    [StringLength(500)]
    public string? Details { get; init; }
}

/// <summary>Body of <c>transfer-proposal</c>: when and where the child will arrive.</summary>
public sealed record TransferProposalBody
{
    /// <summary>Planned transfer date: not in the past, not after the transfer deadline.</summary>
    [Required]
    public required DateOnly TransferDate { get; init; }

    /// <summary>Arrival point (port, station or airport).</summary>
    [Required, StringLength(200, MinimumLength = 1)]
    public required string ArrivalPoint { get; init; }

    [Required]
    public required Escort Escort { get; init; }
}

/// <summary>Body of <c>transfer-completion</c>: the child arrived.</summary>
public sealed record TransferCompletionBody
{
    /// <summary>Arrival date: not in the future.</summary>
    [Required]
    public required DateOnly ArrivedOn { get; init; }

    [StringLength(2000)]
    public string? Note { get; init; }
}

/// <summary>Body of <c>withdrawal</c>.</summary>
public sealed record WithdrawalBody
{
    [Required, StringLength(2000, MinimumLength = 1)]
    public required string Reason { get; init; }
}
