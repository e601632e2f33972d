using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>
/// What a ministry system posts to create a referral: the case data and the child, family,
/// evidence, representative and best-interests groups. The node adds the id, the human reference,
/// the requesting state and the status; decision and transfer data come with later steps.
/// </summary>
public sealed record ReferralDocument
{
    /// <summary>The legal instrument the referral is made under.</summary>
    [Required]
    public required LegalBasis LegalBasis { get; init; }

    /// <summary>State asked to take charge of the child, ISO 3166-1 alpha-2 (<c>GB</c>).</summary>
    [Required, StringLength(2), RegularExpression(ReferralLimits.Alpha2)]
    public required string RequestedState { get; init; }

    /// <summary>The requested state's own reference for this case, when it already has one.</summary>
    [StringLength(ReferralLimits.Reference)]
    public string? CounterpartReference { get; init; }

    /// <summary>Whether the referral asks for the shorter, urgent reply deadline, and why.</summary>
    [Required]
    public required Urgency Urgent { get; init; }

    /// <summary>Date the child's application was lodged in the requesting state (ISO 8601 date).</summary>
    [Required]
    public required DateOnly ApplicationLodgedOn { get; init; }

    /// <summary>The unaccompanied child.</summary>
    [Required]
    public required Child Child { get; init; }

    /// <summary>Family members in the requested state: at least one.</summary>
    [Required, MinLength(1), MaxLength(ReferralLimits.FamilyMembers)]
    public required IReadOnlyList<FamilyMember> FamilyMembers { get; init; }

    /// <summary>Proof (list A) and circumstantial evidence (list B) of the family link; may be empty.</summary>
    [Required, MaxLength(ReferralLimits.EvidenceItems)]
    public required IReadOnlyList<EvidenceItem> Evidence { get; init; }

    /// <summary>The child's guardian or representative in the requesting state.</summary>
    [Required]
    public required Representative Representative { get; init; }

    /// <summary>The best-interests assessment of the child.</summary>
    [Required]
    public required BestInterests BestInterests { get; init; }
}

/// <summary>The urgent flag: urgent referrals get the shorter reply deadline.</summary>
public sealed record Urgency
{
    /// <summary>True when the referral is urgent.</summary>
    [Required]
    public required bool IsUrgent { get; init; }

    /// <summary>Why it is urgent; required when <see cref="IsUrgent"/> is true.</summary>
    [StringLength(ReferralLimits.FreeText)]
    public string? Reason { get; init; }
}

/// <summary>The legal instrument a referral is made under.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<LegalBasis>))]
public enum LegalBasis
{
    /// <summary>Dublin III Regulation (EU 604/2013), Article 8: unaccompanied minors.</summary>
    DUBLIN_III_ART8,

    /// <summary>UK Immigration Act 2016, section 67 ("Dubs amendment").</summary>
    SECTION_67,

    /// <summary>A bilateral family-reunification arrangement (e.g. the 2018 Sandhurst treaty).</summary>
    BILATERAL_FAMILY_REUNIFICATION,

    /// <summary>Discretionary humanitarian grounds.</summary>
    HUMANITARIAN,
}
