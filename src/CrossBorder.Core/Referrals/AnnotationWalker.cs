using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace CrossBorder.Core.Referrals;

/// <summary>
/// Checks the DataAnnotations (and <see cref="ListItemsAttribute"/>) of a record and everything it
/// holds, keyed by JSON path. <c>Validator.TryValidateObject</c> stops at one object and reports C#
/// member names, so the walk is done here over the serializer's own contract: the paths are
/// exactly the names on the wire. Messages are built from the attribute, never from the value.
/// </summary>
internal static class AnnotationWalker
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    public static void Walk(object record, string path, ValidationErrors errors)
    {
        foreach (var property in PropertiesOf(record.GetType()))
        {
            var value = property.Get(record);
            var propertyPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (CheckAttributes(property.Validations, value, propertyPath, errors) && value is not null)
            {
                WalkValue(value, property.Items, propertyPath, errors);
            }
        }
    }

    /// <summary>
    /// Each type's checked properties (none for a type the serializer does not write as an object), read once: the
    /// serializer's contract and the attributes. Reflection returns new attribute instances on every call (a new
    /// <see cref="RegularExpressionAttribute"/> would compile its pattern again for every request), and a lookup per
    /// property (keyed by its <see cref="MemberInfo"/>) cost half of the walk.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, CheckedProperty[]> Cache = new();

    private sealed record CheckedProperty(string Name, Func<object, object?> Get, ValidationAttribute[] Validations, ListItemsAttribute? Items);

    private static CheckedProperty[] PropertiesOf(Type type) => Cache.GetOrAdd(type, t =>
    {
        var typeInfo = ReferralJson.Options.GetTypeInfo(t);
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
            return [];
        var properties = new List<CheckedProperty>();
        foreach (var p in typeInfo.Properties)
        {
            if (p is { Get: { } get, AttributeProvider: MemberInfo member })
                properties.Add(new CheckedProperty(p.Name, get, [.. member.GetCustomAttributes<ValidationAttribute>()],
                    member.GetCustomAttribute<ListItemsAttribute>()));
        }
        return [.. properties];
    });

    /// <returns>False when the value is missing, so there is nothing further to check.</returns>
    private static bool CheckAttributes(ValidationAttribute[] attributes, object? value, string path, ValidationErrors errors)
    {
        foreach (var attribute in attributes)
        {
            if (!attribute.IsValid(value))
            {
                errors.Add(path, Describe(attribute, value));
                if (attribute is RequiredAttribute)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static void WalkValue(object value, ListItemsAttribute? items, string path, ValidationErrors errors)
    {
        switch (value)
        {
            case string text:
                if (!Text.StorableText.IsStorable(text))
                {
                    errors.Add(path, Text.StorableText.Rule);
                }

                return;
            case Enum e:
                if (!Enum.IsDefined(e.GetType(), e))
                {
                    errors.Add(path, "Unknown value.");
                }

                return;
            case IEnumerable list:
                var index = 0;
                foreach (var item in list)
                {
                    var itemPath = $"{path}[{index++}]";
                    if (item is null)
                    {
                        errors.Add(itemPath, "Must not be null.");
                    }
                    else if (item is string text)
                    {
                        CheckItem(text, items, itemPath, errors);
                    }
                    else
                    {
                        WalkValue(item, null, itemPath, errors);
                    }
                }

                return;
        }

        Walk(value, path, errors); // a value that is not an object (a date, a number) has no properties to check
    }

    private static void CheckItem(string item, ListItemsAttribute? rules, string path, ValidationErrors errors)
    {
        if (!Text.StorableText.IsStorable(item))
        {
            errors.Add(path, Text.StorableText.Rule);
        }

        if (string.IsNullOrWhiteSpace(item))
        {
            errors.Add(path, "Must not be blank.");
            return;
        }

        if (rules is null)
        {
            return;
        }

        if (rules.MaxLength > 0 && item.Length > rules.MaxLength)
        {
            errors.Add(path, $"Must be at most {rules.MaxLength} characters.");
        }

        if (rules.Pattern is { } pattern && !IsWholeMatch(item, pattern))
        {
            errors.Add(path, $"Must match {pattern}.");
        }
    }

    // Same rule as RegularExpressionAttribute: the match must cover the whole string, so a
    // trailing newline does not slip past '$'.
    private static bool IsWholeMatch(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.CultureInvariant, RegexTimeout);
        return match.Success && match.Index == 0 && match.Length == text.Length;
    }

    private static string Describe(ValidationAttribute attribute, object? value) => attribute switch
    {
        RequiredAttribute => "Required.",
        StringLengthAttribute { MinimumLength: > 0 } s =>
            $"Must be {s.MinimumLength} to {s.MaximumLength} characters.",
        StringLengthAttribute s => $"Must be at most {s.MaximumLength} characters.",
        MaxLengthAttribute m when value is string => $"Must be at most {m.Length} characters.",
        MaxLengthAttribute m => $"Must have at most {m.Length} items.",
        MinLengthAttribute { Length: 1 } => "Must have at least 1 item.",
        MinLengthAttribute m => $"Must have at least {m.Length} items.",
        RegularExpressionAttribute r => $"Must match {r.Pattern}.",
        _ => "Invalid.",
    };
}
