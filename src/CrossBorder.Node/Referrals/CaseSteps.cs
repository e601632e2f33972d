namespace CrossBorder.Node.Referrals;

/// <summary>History entries that are not ministry steps: the submission and the peer's receipt of it.</summary>
public static class CaseSteps
{
    public const string Submission = "submission";
    public const string Receipt = "receipt";
}
