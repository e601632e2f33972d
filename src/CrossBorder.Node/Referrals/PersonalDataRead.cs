namespace CrossBorder.Node.Referrals;

/// <summary>
/// Endpoint metadata: the operation answers personal data, so each call is an audit entry with the purpose the
/// caller gives in <c>X-Purpose</c> (documented on the operation by convention).
/// </summary>
public sealed class PersonalDataRead;
