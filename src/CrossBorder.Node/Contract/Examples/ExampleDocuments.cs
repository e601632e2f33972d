namespace CrossBorder.Node.Contract;

/// <summary>The request examples shipped in the OpenAPI document; tests post the very same bytes.</summary>
public static class ExampleDocuments
{
    public static string Read(string name)
    {
        using var stream = typeof(ExampleDocuments).Assembly.GetManifestResourceStream($"Examples.{name}")
            ?? throw new InvalidOperationException($"No embedded example '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static string Referral => Read("referral.json");
}
