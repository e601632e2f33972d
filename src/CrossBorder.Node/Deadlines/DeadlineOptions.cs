using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Deadlines;

/// <summary>
/// Deadlines as ISO 8601 durations, by default and per legal basis (docs/domain.md defaults), e.g.
/// <c>Deadlines:Default:Reply=P2M</c>, <c>Deadlines:ByLegalBasis:SECTION_67:UrgentReply=P21D</c>, <c>PT30S</c> for drills.
/// Both nodes of a pair must hold the same values: they compute every due date independently from the same
/// signed receipt times.
/// </summary>
public sealed class DeadlineOptions
{
    public const string Section = "Deadlines";

    /// <summary>Durations for every legal basis without its own; unset values take docs/domain.md's defaults.</summary>
    public DeadlinePolicy Default { get; set; } = new();

    /// <summary>Overrides by legal basis; unset values take <see cref="Default"/>'s.</summary>
    public Dictionary<string, DeadlinePolicy> ByLegalBasis { get; set; } = [];

    /// <summary>How often the deadline clock looks for lapsed deadlines.</summary>
    public TimeSpan ClockInterval { get; set; } = TimeSpan.FromSeconds(30);

    private Dictionary<string, DeadlineDurations>? _resolved;
    private DeadlineDurations? _default;

    public DeadlineDurations For(string legalBasis)
    {
        _default ??= Default.Resolve(DeadlinePolicy.Domain);
        _resolved ??= ByLegalBasis.ToDictionary(p => p.Key, p => p.Value.Resolve(Effective(Default)));
        return _resolved.GetValueOrDefault(legalBasis) ?? _default;
    }

    private static DeadlinePolicy Effective(DeadlinePolicy p)
    {
        var d = DeadlinePolicy.Domain;
        return new DeadlinePolicy
        {
            Reply = p.Reply ?? d.Reply, UrgentReply = p.UrgentReply ?? d.UrgentReply,
            ReexaminationRequest = p.ReexaminationRequest ?? d.ReexaminationRequest,
            ReexaminationReply = p.ReexaminationReply ?? d.ReexaminationReply, Transfer = p.Transfer ?? d.Transfer,
            InformationAnswer = p.InformationAnswer ?? d.InformationAnswer,
        };
    }
}

/// <summary>Refuses to start with a deadline that is not an ISO 8601 duration, naming the setting.</summary>
public sealed class DeadlineOptionsValidator : IValidateOptions<DeadlineOptions>
{
    public ValidateOptionsResult Validate(string? name, DeadlineOptions options)
    {
        var failures = new List<string>();
        void Check(string prefix, DeadlinePolicy policy)
        {
            foreach (var (setting, value) in policy.Settings())
                if (value is not null && IsoDuration.TryParse(value) is null)
                    failures.Add($"{DeadlineOptions.Section}:{prefix}:{setting} must be a non-zero ISO 8601 duration such as P2M, P21D or PT30S.");
        }
        Check(nameof(DeadlineOptions.Default), options.Default);
        foreach (var (basis, policy) in options.ByLegalBasis)
        {
            if (!Enum.TryParse<LegalBasis>(basis, out _) || int.TryParse(basis, out _))
                failures.Add($"{DeadlineOptions.Section}:{nameof(DeadlineOptions.ByLegalBasis)}:{basis} is not a legal basis ({string.Join(", ", Enum.GetNames<LegalBasis>())}).");
            Check($"{nameof(DeadlineOptions.ByLegalBasis)}:{basis}", policy);
        }
        if (options.ClockInterval <= TimeSpan.Zero)
            failures.Add($"{DeadlineOptions.Section}:{nameof(DeadlineOptions.ClockInterval)} must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
