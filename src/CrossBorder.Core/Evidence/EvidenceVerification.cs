namespace CrossBorder.Core.Evidence;

/// <summary>The part that did not hold and what did not hold about it.</summary>
public sealed record EvidenceFailure(string Part, string Reason)
{
    public override string ToString() => $"{Part}: {Reason}";
}

/// <summary>The outcome: every check passed (in order), notes that are not failures, and the first failure.</summary>
public sealed record EvidenceVerification(bool IsValid, IReadOnlyList<string> Checks, IReadOnlyList<string> Notes, EvidenceFailure? Failure,
    EvidenceManifest? Manifest)
{
    public static EvidenceVerification Failed(IReadOnlyList<string> checks, IReadOnlyList<string> notes, EvidenceFailure failure) =>
        new(false, checks, notes, failure, null);
}
