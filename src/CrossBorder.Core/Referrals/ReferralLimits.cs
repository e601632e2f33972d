namespace CrossBorder.Core.Referrals;

/// <summary>Bounds and patterns shared by the referral records, so every string and list has one sane limit.</summary>
internal static class ReferralLimits
{
    public const int Name = 100;
    public const int Reference = 64;
    public const int ShortText = 200;
    public const int Postcode = 20;
    public const int FreeText = 4000;

    public const int GivenNames = 10;
    public const int Aliases = 20;
    public const int Nationalities = 5;
    public const int Languages = 10;
    public const int IdentityDocuments = 10;
    public const int FamilyMembers = 20;
    public const int EvidenceItems = 50;
    public const int Vulnerabilities = 20;

    public const string Alpha2 = "^[A-Z]{2}$";
    public const string Alpha3 = "^[A-Z]{3}$";
    public const string Iso6393 = "^[a-z]{3}$";
    public const string Sha256Hex = "^[0-9a-f]{64}$";
}
