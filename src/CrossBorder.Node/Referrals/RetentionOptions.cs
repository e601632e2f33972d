using CrossBorder.Core.Lifecycle;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// How long a closed case's personal data is kept, per legal basis, as ISO 8601 durations from the time it closed
/// (e.g. <c>Retention:Default=P5Y</c>, <c>Retention:ByLegalBasis:SECTION_67=P2Y</c>, <c>PT1M</c> for drills). Each node
/// erases its own copy by its own schedule; the peer is not told.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>For every legal basis without its own period. Empty: closed cases are kept until erased by an order.</summary>
    public string? Default { get; set; } = "P5Y";

    public Dictionary<string, string> ByLegalBasis { get; set; } = [];

    /// <summary>How often the retention job looks for cases due (the data-key re-wrapping job runs every minute).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The retention period of <paramref name="legalBasis"/>, or null when such cases are kept.</summary>
    public IsoDuration? For(string legalBasis) =>
        IsoDuration.TryParse(ByLegalBasis.TryGetValue(legalBasis, out var own) ? own : Default);
}

public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions o)
    {
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(o.Default) && IsoDuration.TryParse(o.Default) is null)
            errors.Add("Retention:Default must be a non-zero ISO 8601 duration (e.g. P5Y) or empty.");
        foreach (var (basis, period) in o.ByLegalBasis)
            if (IsoDuration.TryParse(period) is null)
                errors.Add($"Retention:ByLegalBasis:{basis} must be a non-zero ISO 8601 duration (e.g. P2Y).");
        if (o.Interval <= TimeSpan.Zero)
            errors.Add("Retention:Interval must be positive.");
        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
