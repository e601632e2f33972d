using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>Sex as recorded: female, male, or unspecified / other.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<Sex>))]
public enum Sex
{
    /// <summary>Female.</summary>
    F,

    /// <summary>Male.</summary>
    M,

    /// <summary>Unspecified or other (as the ICAO 9303 <c>X</c>).</summary>
    X,
}

/// <summary>Where a date of birth comes from.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<DateOfBirthSource>))]
public enum DateOfBirthSource
{
    /// <summary>Shown on an identity or civil-status document.</summary>
    DOCUMENTED,

    /// <summary>Stated by the child, not documented.</summary>
    DECLARED,

    /// <summary>Set by an age assessment.</summary>
    ASSESSED,
}

/// <summary>Kinds of identity document.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<IdentityDocumentType>))]
public enum IdentityDocumentType
{
    PASSPORT,
    NATIONAL_ID_CARD,
    BIRTH_CERTIFICATE,
    FAMILY_REGISTER_EXTRACT,
    REFUGEE_TRAVEL_DOCUMENT,
    RESIDENCE_DOCUMENT,
    OTHER,
}

/// <summary>How an age assessment was performed.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<AgeAssessmentMethod>))]
public enum AgeAssessmentMethod
{
    SOCIAL_WORKER_INTERVIEW,
    MULTIDISCIPLINARY,
    DOCUMENT_REVIEW,
    MEDICAL_EXAMINATION,
    OTHER,
}

/// <summary>Outcome of an age assessment compared with the declared age.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<AgeAssessmentResult>))]
public enum AgeAssessmentResult
{
    CONSISTENT_WITH_DECLARED,
    OLDER_THAN_DECLARED,
    YOUNGER_THAN_DECLARED,
    INCONCLUSIVE,
}

/// <summary>Kinds of care placement.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<PlacementType>))]
public enum PlacementType
{
    RECEPTION_CENTRE,
    CHILDRENS_HOME,
    FOSTER_FAMILY,
    SUPPORTED_ACCOMMODATION,
    EMERGENCY_SHELTER,
    INFORMAL_SETTLEMENT,
    OTHER,
}
