namespace CrossBorder.Core.Lifecycle;

/// <summary>The statuses of docs/domain.md's case lifecycle, as they appear on the wire.</summary>
public static class ReferralStatus
{
    public const string Submitted = "SUBMITTED";
    public const string UnderExamination = "UNDER_EXAMINATION";
    public const string InformationRequested = "INFORMATION_REQUESTED";
    public const string Accepted = "ACCEPTED";
    public const string Refused = "REFUSED";
    public const string TacitlyAccepted = "TACITLY_ACCEPTED";
    public const string ReexaminationRequested = "REEXAMINATION_REQUESTED";
    public const string RefusedFinal = "REFUSED_FINAL";
    public const string TransferPlanned = "TRANSFER_PLANNED";
    public const string Transferred = "TRANSFERRED";
    public const string TransferExpired = "TRANSFER_EXPIRED";
    public const string Withdrawn = "WITHDRAWN";

    public static readonly IReadOnlyList<string> All =
    [
        Submitted, UnderExamination, InformationRequested, Accepted, Refused, TacitlyAccepted, ReexaminationRequested,
        RefusedFinal, TransferPlanned, Transferred, TransferExpired, Withdrawn,
    ];

    /// <summary>Closed cases: no step and no deadline applies any more.</summary>
    public static bool IsClosed(string status) =>
        status is RefusedFinal or Transferred or TransferExpired or Withdrawn;
}

/// <summary>Which side of the case a node (or a step) is on.</summary>
public enum Side
{
    /// <summary>The state where the child is; it submits the referral.</summary>
    Requesting,

    /// <summary>The state where the family is; it examines and decides.</summary>
    Requested,
}
