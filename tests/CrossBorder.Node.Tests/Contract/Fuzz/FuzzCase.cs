using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Node.Tests.Contract.Fuzz;

/// <summary>Who a fuzz request claims to be.</summary>
public enum FuzzAuth
{
    /// <summary>A token with the scope the operation needs (or none where it needs none).</summary>
    Right,
    /// <summary>No Authorization header.</summary>
    None,
    /// <summary>A valid token of another client, without the operation's scope.</summary>
    WrongScope,
    /// <summary>A bearer value that is not a token this node issued.</summary>
    Garbage,
}

/// <summary>
/// One generated request, as sent: the path and query already percent-encoded, headers and body as text, so a line of
/// the corpus replays the very bytes that failed. <c>{referral}</c> in the path or a header stands for the fuzz run's
/// live referral (its id, or <c>{etag}</c> its current ETag), which differs between runs.
/// </summary>
public sealed record FuzzCase(
    string Document,
    string Node,
    string OperationId,
    string Method,
    string Path,
    string Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? ContentType,
    string? Body,
    FuzzAuth Auth,
    string Note)
{
    public const string ReferralPlaceholder = "{referral}";
    public const string ETagPlaceholder = "{etag}";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToLine() => JsonSerializer.Serialize(this, Json);

    public static FuzzCase FromLine(string line) => JsonSerializer.Deserialize<FuzzCase>(line, Json)
        ?? throw new InvalidDataException("An empty corpus line.");

    /// <summary>A short description for failure messages (no body: it can be long).</summary>
    public override string ToString() =>
        $"{Node} {Method} {Path}{(Query.Length > 0 ? "?" + Query[..Math.Min(Query.Length, 300)] : "")} [{OperationId}, auth {Auth}, {Note}]";
}

/// <summary>
/// <c>fuzz-corpus.jsonl</c>: every input that ever failed a contract check, one <see cref="FuzzCase"/> per line; replayed
/// first on every run, so a fixed defect stays fixed. A failing run appends its input to the copy in the source tree.
/// </summary>
public static class FuzzCorpus
{
    public const string FileName = "fuzz-corpus.jsonl";

    public static string SourcePath => Path.Combine(OpenApiDocumentTests.RepositoryRoot(), "tests", "CrossBorder.Node.Tests", "Contract", FileName);

    public static IReadOnlyList<FuzzCase> Load() => File.Exists(SourcePath)
        ? [.. File.ReadAllLines(SourcePath).Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)).Select(FuzzCase.FromLine)]
        : [];

    public static void Add(FuzzCase failed)
    {
        var line = failed.ToLine();
        if (File.Exists(SourcePath) && File.ReadAllLines(SourcePath).Contains(line))
            return;
        File.AppendAllLines(SourcePath, [line]);
    }
}
