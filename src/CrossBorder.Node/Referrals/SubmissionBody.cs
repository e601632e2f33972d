using CrossBorder.Core.Referrals;

namespace CrossBorder.Node.Referrals;

/// <summary>The <c>body</c> of a <c>referral.submitted</c> message: the sender's reference and the referral.</summary>
public sealed record SubmissionBody(string Reference, ReferralDocument Referral);
