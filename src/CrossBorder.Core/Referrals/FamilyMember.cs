using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>A family member of the child living in the requested state.</summary>
public sealed record FamilyMember
{
    /// <summary>Surname (family name).</summary>
    [Required, StringLength(ReferralLimits.Name)]
    public required string Surname { get; init; }

    /// <summary>Given names in order; may be empty when only one name is known.</summary>
    [Required, MaxLength(ReferralLimits.GivenNames), ListItems(MaxLength = ReferralLimits.Name)]
    public required IReadOnlyList<string> GivenNames { get; init; }

    /// <summary>Date of birth (ISO 8601 date); not in the future.</summary>
    [Required]
    public required DateOnly DateOfBirth { get; init; }

    /// <summary>Relationship to the child.</summary>
    [Required]
    public required Relationship Relationship { get; init; }

    /// <summary>Immigration or legal status in the requested state.</summary>
    [Required]
    public required LegalStatus LegalStatus { get; init; }

    /// <summary>The family member's reference in the requested state (e.g. a Home Office reference), when known.</summary>
    [StringLength(ReferralLimits.Reference)]
    public string? ReferenceInRequestedState { get; init; }

    /// <summary>Where the family member lives.</summary>
    [Required]
    public required Address Address { get; init; }

    /// <summary>Whether the family member is willing to care for the child.</summary>
    [Required]
    public required bool WillingToCare { get; init; }

    /// <summary>
    /// Written consent to care for the child. Required, given, dated and referenced for a member
    /// willing to care when the legal basis is <c>DUBLIN_III_ART8</c> or <c>BILATERAL_FAMILY_REUNIFICATION</c>.
    /// </summary>
    public Consent? Consent { get; init; }
}

/// <summary>A postal address.</summary>
public sealed record Address
{
    /// <summary>First address line.</summary>
    [Required, StringLength(ReferralLimits.ShortText)]
    public required string Line1 { get; init; }

    /// <summary>Second address line, if any.</summary>
    [StringLength(ReferralLimits.ShortText)]
    public string? Line2 { get; init; }

    /// <summary>Town or city.</summary>
    [Required, StringLength(ReferralLimits.Name)]
    public required string City { get; init; }

    /// <summary>Postcode, where the country uses one.</summary>
    [StringLength(ReferralLimits.Postcode)]
    public string? Postcode { get; init; }

    /// <summary>Country, ISO 3166-1 alpha-2 (<c>GB</c>).</summary>
    [Required, StringLength(2), RegularExpression(ReferralLimits.Alpha2)]
    public required string Country { get; init; }
}

/// <summary>A family member's written consent to care for the child.</summary>
public sealed record Consent
{
    /// <summary>Whether consent was given.</summary>
    [Required]
    public required bool Given { get; init; }

    /// <summary>Date consent was given; not in the future.</summary>
    public DateOnly? GivenOn { get; init; }

    /// <summary>Reference of the signed consent document.</summary>
    [StringLength(ReferralLimits.Reference)]
    public string? DocumentReference { get; init; }
}

/// <summary>A family member's relationship to the child.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<Relationship>))]
public enum Relationship
{
    MOTHER,
    FATHER,
    SIBLING,
    AUNT,
    UNCLE,
    GRANDPARENT,

    /// <summary>An adult responsible for the child by law or practice (Dublin III Art. 2(j)).</summary>
    ADULT_RESPONSIBLE,
    OTHER,
}

/// <summary>A family member's legal status in the requested state.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<LegalStatus>))]
public enum LegalStatus
{
    CITIZEN,

    /// <summary>Settled or permanent residence (e.g. indefinite leave to remain, EU settled status).</summary>
    SETTLED,
    REFUGEE,
    HUMANITARIAN_PROTECTION,
    ASYLUM_SEEKER,

    /// <summary>Limited leave to remain (a time-limited residence permit).</summary>
    LEAVE_TO_REMAIN,
    OTHER,
}
