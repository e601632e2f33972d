using Microsoft.AspNetCore.Http.HttpResults;

namespace CrossBorder.Node.Http;

/// <summary>
/// The <c>X-Purpose</c> header a reader of personal data gives, recorded with the read in the audit log: optional, at
/// most 100 characters of letters, digits, space and <c>._:/-</c>, starting with a letter or digit.
/// </summary>
public static class Purpose
{
    public const string Header = "X-Purpose";
    public const int MaxLength = 100;

    /// <summary>The purpose (null when absent), or the 400 to answer when the header is not valid.</summary>
    public static string? Read(HttpContext http, out ProblemHttpResult? problem)
    {
        problem = null;
        if (!http.Request.Headers.TryGetValue(Header, out var values))
            return null;
        var purpose = values.ToString();
        if (values.Count == 1 && purpose.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(purpose[0])
            && purpose.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '_' or ':' or '/' or '-'))
            return purpose;
        problem = Problems.PurposeInvalid.Result(http,
            $"{Header}: 1-{MaxLength} characters, letters, digits, space and ._:/- only, starting with a letter or digit.");
        return null;
    }
}
