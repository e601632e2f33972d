namespace CrossBorder.Core.Text;

/// <summary>
/// The one rule for text that may reach the store: PostgreSQL <c>text</c> cannot hold U+0000, and Npgsql refuses
/// to encode a lone UTF-16 surrogate, so either would surface as a server error. Every input is checked against
/// this rule where it enters (query and route values, headers, token requests, JSON bodies) and refused with a
/// 400 naming the field; nothing is stripped or rewritten silently.
/// </summary>
public static class StorableText
{
    public const string Rule = "Must not contain U+0000 or unpaired surrogate characters.";

    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
                return false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                    return false;
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }
}
