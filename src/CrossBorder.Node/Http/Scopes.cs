namespace CrossBorder.Node.Http;

/// <summary>Scopes never overlap in power: ministry, auditor and peer tokens reach disjoint APIs.</summary>
public static class Scopes
{
    public const string ReferralsRead = "referrals.read";
    public const string ReferralsWrite = "referrals.write";
    public const string AuditRead = "audit.read";
    public const string Exchange = "exchange";

    /// <summary>The operator's console and API: message states, dead letters and their re-drive, peers, keys (issue 15).</summary>
    public const string Operations = "operations";

    /// <summary>Scopes a configured (non-peer) client may hold.</summary>
    public static readonly IReadOnlySet<string> Ministry = new HashSet<string> { ReferralsRead, ReferralsWrite, AuditRead, Operations };

    public static readonly IReadOnlyList<string> All = [ReferralsRead, ReferralsWrite, AuditRead, Exchange, Operations];
}
