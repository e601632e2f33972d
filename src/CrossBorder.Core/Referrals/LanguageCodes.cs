using System.Text.RegularExpressions;

namespace CrossBorder.Core.Referrals;

/// <summary>
/// ISO 639-3 language codes (<c>tir</c> Tigrinya, <c>prs</c> Dari, <c>pus</c> Pashto). The full table
/// (about 7,900 codes) is not embedded: a code is accepted when it has the ISO 639-3 shape (three
/// lower-case letters) and is not in the range <c>qaa</c>–<c>qtz</c> reserved for local use.
/// </summary>
public static partial class LanguageCodes
{
    /// <summary>True when <paramref name="code"/> is three lower-case ASCII letters outside qaa–qtz.</summary>
    public static bool IsValid(string? code) =>
        code is not null && Shape().IsMatch(code) && !IsReservedForLocalUse(code);

    /// <summary>True for codes in <c>qaa</c>–<c>qtz</c>, which ISO 639-2/3 reserve for local use.</summary>
    public static bool IsReservedForLocalUse(string code) =>
        code.Length == 3 && code[0] == 'q' && code[1] is >= 'a' and <= 't' && code[2] is >= 'a' and <= 'z';

    [GeneratedRegex(@"\A[a-z]{3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
