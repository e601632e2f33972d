using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>The child's guardian or representative in the requesting state.</summary>
public sealed record Representative
{
    /// <summary>Their role.</summary>
    [Required]
    public required RepresentativeRole Role { get; init; }

    /// <summary>Full name.</summary>
    [Required, StringLength(ReferralLimits.Name)]
    public required string Name { get; init; }

    /// <summary>Organisation they act for, if any.</summary>
    [StringLength(ReferralLimits.ShortText)]
    public string? Organisation { get; init; }

    /// <summary>Authority that appointed them (court, prosecutor, local authority).</summary>
    [Required, StringLength(ReferralLimits.ShortText)]
    public required string AppointedBy { get; init; }

    /// <summary>Professional contact (e-mail or telephone).</summary>
    [Required, StringLength(ReferralLimits.ShortText)]
    public required string Contact { get; init; }
}

/// <summary>Roles of a child's representative.</summary>
[JsonConverter(typeof(StrictStringEnumConverter<RepresentativeRole>))]
public enum RepresentativeRole
{
    /// <summary>Legal guardian.</summary>
    GUARDIAN,

    /// <summary>French ad-hoc administrator appointed for an unaccompanied minor.</summary>
    ADMINISTRATEUR_AD_HOC,
    SOCIAL_WORKER,
    LEGAL_REPRESENTATIVE,
    OTHER,
}
