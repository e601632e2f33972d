using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Core.Referrals;

/// <summary>The unaccompanied child the referral is about.</summary>
public sealed record Child
{
    /// <summary>Surname (family name) as recorded by the requesting state.</summary>
    [Required, StringLength(ReferralLimits.Name)]
    public required string Surname { get; init; }

    /// <summary>Given names in order; may be empty when only one name is known.</summary>
    [Required, MaxLength(ReferralLimits.GivenNames), ListItems(MaxLength = ReferralLimits.Name)]
    public required IReadOnlyList<string> GivenNames { get; init; }

    /// <summary>Other names the child has used or been recorded under.</summary>
    [Required, MaxLength(ReferralLimits.Aliases), ListItems(MaxLength = ReferralLimits.Name)]
    public required IReadOnlyList<string> Aliases { get; init; }

    /// <summary>Date of birth (ISO 8601 date); the child must be under 18 on the lodged date.</summary>
    [Required]
    public required DateOnly DateOfBirth { get; init; }

    /// <summary>Where the date of birth comes from.</summary>
    [Required]
    public required DateOfBirthSource DateOfBirthSource { get; init; }

    /// <summary>Place of birth as free text, when known.</summary>
    [StringLength(ReferralLimits.Name)]
    public string? PlaceOfBirth { get; init; }

    /// <summary>Sex as recorded.</summary>
    [Required]
    public required Sex Sex { get; init; }

    /// <summary>Nationalities, ISO 3166-1 alpha-3 (<c>ERI</c>); empty when stateless or unknown.</summary>
    [Required, MaxLength(ReferralLimits.Nationalities), ListItems(MaxLength = 3, Pattern = ReferralLimits.Alpha3)]
    public required IReadOnlyList<string> Nationalities { get; init; }

    /// <summary>Languages spoken, ISO 639-3 (<c>tir</c>, <c>prs</c>, <c>pus</c>).</summary>
    [Required, MaxLength(ReferralLimits.Languages), ListItems(MaxLength = 3, Pattern = ReferralLimits.Iso6393)]
    public required IReadOnlyList<string> Languages { get; init; }

    /// <summary>Whether the child needs an interpreter.</summary>
    [Required]
    public required bool InterpreterNeeded { get; init; }

    /// <summary>Identity documents held or seen; may be empty.</summary>
    [Required, MaxLength(ReferralLimits.IdentityDocuments)]
    public required IReadOnlyList<IdentityDocument> IdentityDocuments { get; init; }

    /// <summary>Age assessment, performed or not.</summary>
    [Required]
    public required AgeAssessment AgeAssessment { get; init; }

    /// <summary>Where the child is cared for now.</summary>
    [Required]
    public required CurrentCare CurrentCare { get; init; }
}

/// <summary>An identity document of the child.</summary>
public sealed record IdentityDocument
{
    /// <summary>Kind of document.</summary>
    [Required]
    public required IdentityDocumentType Type { get; init; }

    /// <summary>Document number, when it has one.</summary>
    [StringLength(ReferralLimits.Reference)]
    public string? Number { get; init; }

    /// <summary>Issuing country, ISO 3166-1 alpha-3.</summary>
    [Required, StringLength(3), RegularExpression(ReferralLimits.Alpha3)]
    public required string IssuingCountry { get; init; }

    /// <summary>Date of issue, when known; not in the future.</summary>
    public DateOnly? IssuedOn { get; init; }
}

/// <summary>Age assessment of the child. Method and result are required when it was performed.</summary>
public sealed record AgeAssessment
{
    /// <summary>Whether an age assessment was performed.</summary>
    [Required]
    public required bool Performed { get; init; }

    /// <summary>How it was performed.</summary>
    public AgeAssessmentMethod? Method { get; init; }

    /// <summary>Its outcome compared with the declared age.</summary>
    public AgeAssessmentResult? Result { get; init; }

    /// <summary>Whether the child or their representative disputes the assessment.</summary>
    [Required]
    public required bool Disputed { get; init; }
}

/// <summary>The child's current care placement.</summary>
public sealed record CurrentCare
{
    /// <summary>Kind of placement.</summary>
    [Required]
    public required PlacementType PlacementType { get; init; }

    /// <summary>Where, as free text (town and area; no street address needed).</summary>
    [Required, StringLength(ReferralLimits.ShortText)]
    public required string Location { get; init; }
}
