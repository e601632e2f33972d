namespace CrossBorder.Core.Referrals;

/// <summary>
/// Bounds on each string of a list property. DataAnnotations only describe the list itself, so
/// <see cref="ReferralValidator"/> checks these per item (path <c>child.nationalities[1]</c>) and an
/// OpenAPI schema filter can map them to <c>items.maxLength</c> / <c>items.pattern</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class ListItemsAttribute : Attribute
{
    /// <summary>Longest allowed item, in UTF-16 code units; 0 for no limit.</summary>
    public int MaxLength { get; init; }

    /// <summary>Regular expression each item must match as a whole; null for none.</summary>
    public string? Pattern { get; init; }
}
