using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Evidence;

/// <summary>
/// The validity periods an evidence pack states for signing keys (this node's and its peers'), by <c>kid</c>. A key
/// not listed is stated with open ends: the verifier then checks no period for it.
/// </summary>
public sealed class EvidenceOptions
{
    public const string Section = "Evidence";

    public List<KeyValidityOptions> Keys { get; set; } = [];
}

public sealed class KeyValidityOptions
{
    /// <summary>The key's <c>kid</c>, as in its JWKS.</summary>
    public string Kid { get; set; } = "";

    /// <summary>The first instant the key signs (inclusive); null: open.</summary>
    public DateTimeOffset? ValidFrom { get; set; }

    /// <summary>The instant the key stops signing (exclusive); null: still in use.</summary>
    public DateTimeOffset? ValidUntil { get; set; }
}

public sealed class EvidenceOptionsValidator : IValidateOptions<EvidenceOptions>
{
    public ValidateOptionsResult Validate(string? name, EvidenceOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var k = options.Keys[i];
            if (string.IsNullOrWhiteSpace(k.Kid))
                errors.Add($"{EvidenceOptions.Section}:Keys:{i}:Kid is required.");
            if (k.ValidFrom is not null && k.ValidUntil is not null && k.ValidUntil <= k.ValidFrom)
                errors.Add($"{EvidenceOptions.Section}:Keys:{i}:ValidUntil must be after ValidFrom.");
        }
        if (options.Keys.GroupBy(k => k.Kid).Any(g => g.Count() > 1))
            errors.Add($"{EvidenceOptions.Section}:Keys lists a kid twice.");
        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
