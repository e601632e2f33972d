namespace CrossBorder.Core.Referrals;

/// <summary>Collects error messages by JSON path, in the order found, without duplicates.</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _byPath = new(StringComparer.Ordinal);

    public void Add(string path, string message)
    {
        if (!_byPath.TryGetValue(path, out var messages))
        {
            messages = [];
            _byPath.Add(path, messages);
        }

        if (!messages.Contains(message))
        {
            messages.Add(message);
        }
    }

    public bool Has(string path) => _byPath.ContainsKey(path);

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _byPath.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal).AsReadOnly();
}
