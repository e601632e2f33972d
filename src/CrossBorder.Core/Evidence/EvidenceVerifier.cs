using System.Security.Cryptography;
using System.Text.Json;

namespace CrossBorder.Core.Evidence;

/// <summary>
/// Verifies an evidence pack offline (no database, no network) in the order docs/evidence-pack.md gives, and stops at
/// the first thing that does not hold, naming the part (<c>messages[2].receipt</c>, <c>auditEntries[0].inclusionProof</c>,
/// <c>keys[1]</c>, <c>manifest</c>...). Everything it checked is listed, so a reader sees what a pass means.
/// </summary>
/// <remarks>
/// The keys a pack carries are those its producer states. A court should compare them (their RFC 7638 thumbprints are
/// listed in the checks) with keys it obtained from each node independently: a pack proves what its keys signed.
/// </remarks>
public static class EvidenceVerifier
{
    /// <summary>The largest pack read (bytes).</summary>
    public const int MaxPackLength = 256 * 1024 * 1024;

    public static EvidenceVerification Verify(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxPackLength)
            return EvidenceVerification.Failed([], [], new EvidenceFailure("pack", $"larger than {MaxPackLength} bytes"));
        EvidencePack? pack;
        try
        {
            pack = JsonSerializer.Deserialize<EvidencePack>(json, EvidenceFormat.Json);
        }
        catch (JsonException e)
        {
            // The path names where the structure breaks; the exception text (which may quote content) is not repeated.
            return EvidenceVerification.Failed([], [], new EvidenceFailure(PartOf(e.Path), "is not valid for format " + EvidenceFormat.Version +
                $" (a member is missing, unknown, null or of the wrong type{(e.Path is null ? "" : $" at {e.Path}")})"));
        }
        return pack is null
            ? EvidenceVerification.Failed([], [], new EvidenceFailure("pack", "is null"))
            : Verify(pack);
    }

    public static EvidenceVerification Verify(EvidencePack pack)
    {
        var run = new EvidenceCheck(pack);
        try
        {
            run.All();
            return new EvidenceVerification(true, run.Checks, run.Notes, null, run.Manifest);
        }
        catch (EvidenceFormat.PartException e)
        {
            return new EvidenceVerification(false, run.Checks, run.Notes, new EvidenceFailure(e.Part, e.Reason), run.Manifest);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or CryptographicException or InvalidOperationException)
        {
            // A shape the checks above did not foresee: still a refusal, never a crash (the exception text is not repeated).
            return new EvidenceVerification(false, run.Checks, run.Notes, new EvidenceFailure("pack", $"cannot be read ({e.GetType().Name})"), run.Manifest);
        }
    }

    /// <summary>Maps a JSON path (<c>$.messages[2].receipt</c>) to the part it falls in.</summary>
    private static string PartOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return "pack";
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        return p.StartsWith("keys[", StringComparison.Ordinal) && p.IndexOf(']') is var end and > 0 ? p[..(end + 1)] : p;
    }
}
