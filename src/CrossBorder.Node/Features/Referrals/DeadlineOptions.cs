using CrossBorder.Core.Lifecycle;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// Deadlines per legal basis (DOMAIN.md defaults). Both nodes of a pair must hold the same values:
/// they compute every due date independently from the same signed receipt times.
/// </summary>
public sealed class DeadlineOptions
{
    public const string Section = "Deadlines";

    public DeadlinePolicy Default { get; set; } = new();

    /// <summary>Overrides by legal basis, e.g. <c>Deadlines:ByLegalBasis:SECTION_67:ReplyMonths</c>.</summary>
    public Dictionary<string, DeadlinePolicy> ByLegalBasis { get; set; } = [];

    /// <summary>How often the deadline clock looks for lapsed deadlines.</summary>
    public TimeSpan ClockInterval { get; set; } = TimeSpan.FromSeconds(30);

    public DeadlinePolicy For(string legalBasis) => ByLegalBasis.GetValueOrDefault(legalBasis) ?? Default;
}
