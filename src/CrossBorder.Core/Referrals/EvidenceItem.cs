using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>One item of evidence of the family link, identified by the SHA-256 of the attached document.</summary>
public sealed record EvidenceItem
{
    /// <summary>List A (proof) or list B (circumstantial evidence).</summary>
    [Required]
    public required EvidenceList List { get; init; }

    /// <summary>Kind of evidence.</summary>
    [Required]
    public required EvidenceKind Kind { get; init; }

    /// <summary>What the document shows.</summary>
    [Required, StringLength(ReferralLimits.FreeText)]
    public required string Description { get; init; }

    /// <summary>SHA-256 of the attached document, 64 lower-case hex digits.</summary>
    [Required, StringLength(64), RegularExpression(ReferralLimits.Sha256Hex)]
    public required string Sha256 { get; init; }
}

/// <summary>
/// Evidence lists as in Dublin III's implementing regulation (Annex II): A is formal proof,
/// B circumstantial. A copy of a list A document counts as list B, so kind and list are independent.
/// </summary>
[JsonConverter(typeof(StrictStringEnumConverter<EvidenceList>))]
public enum EvidenceList
{
    /// <summary>Formal proof.</summary>
    A,

    /// <summary>Circumstantial (indicative) evidence.</summary>
    B,
}

/// <summary>Kinds of evidence.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<EvidenceKind>))]
public enum EvidenceKind
{
    REGISTER_EXTRACT,
    RESIDENCE_PERMIT,
    RELATIONSHIP_DOCUMENT,
    DNA_RESULT,
    IDENTITY_DOCUMENT,
    CHILD_STATEMENT,
    FAMILY_STATEMENT,
    PHOTOGRAPH,
    CALL_LOG,
    TRACING_REPORT,
    OTHER,
}
