using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>The best-interests assessment of the child.</summary>
public sealed record BestInterests
{
    /// <summary>Summary of the assessment.</summary>
    [Required, StringLength(ReferralLimits.FreeText)]
    public required string Summary { get; init; }

    /// <summary>The child's own views, as expressed.</summary>
    [Required, StringLength(ReferralLimits.FreeText)]
    public required string ChildViews { get; init; }

    /// <summary>Assessed safety risk, trafficking included.</summary>
    [Required]
    public required SafetyRisk SafetyRisk { get; init; }

    /// <summary>Vulnerabilities identified; may be empty.</summary>
    [Required, MaxLength(ReferralLimits.Vulnerabilities)]
    public required IReadOnlyList<Vulnerability> Vulnerabilities { get; init; }

    /// <summary>Who assessed (service or person).</summary>
    [Required, StringLength(ReferralLimits.ShortText)]
    public required string AssessedBy { get; init; }

    /// <summary>Date of the assessment; not in the future.</summary>
    [Required]
    public required DateOnly AssessedOn { get; init; }

    /// <summary>What the assessment recommends.</summary>
    [Required]
    public required Recommendation Recommendation { get; init; }
}

/// <summary>Assessed safety risk.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<SafetyRisk>))]
public enum SafetyRisk
{
    LOW,
    MEDIUM,
    HIGH,
}

/// <summary>Vulnerabilities a best-interests assessment can record.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<Vulnerability>))]
public enum Vulnerability
{
    TRAUMA_INDICATORS,
    TRAFFICKING_INDICATORS,
    EXPLOITATION,
    VIOLENCE_SURVIVOR,
    MEDICAL_NEEDS,
    MENTAL_HEALTH_NEEDS,
    DISABILITY,
    PREGNANCY,
    YOUNG_CHILD,
    OTHER,
}

/// <summary>What a best-interests assessment recommends.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<Recommendation>))]
public enum Recommendation
{
    /// <summary>Transfer to the family member.</summary>
    TRANSFER,

    /// <summary>Do not transfer.</summary>
    DO_NOT_TRANSFER,

    /// <summary>Further assessment is needed before a recommendation.</summary>
    FURTHER_ASSESSMENT_NEEDED,
}
