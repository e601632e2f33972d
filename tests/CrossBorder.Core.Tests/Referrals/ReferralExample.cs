using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Tests.Referrals;

/// <summary>The contract's example referral (src/CrossBorder.Node/Contract/Examples/referral.json) and helpers around it.</summary>
internal static class ReferralExample
{
    /// <summary>A date after every date in the example.</summary>
    public static readonly DateOnly Today = new(2026, 11, 1);

    public static readonly IReadOnlySet<string> AllowedStates = new HashSet<string>(StringComparer.Ordinal) { "GB" };

    private static readonly Lazy<string> JsonText = new(() => File.ReadAllText(FindPath()));

    public static string Json => JsonText.Value;

    public static ReferralDocument Load() =>
        ReferralJson.Deserialize(Json) ?? throw new InvalidOperationException("The example is null.");

    public static IReadOnlyDictionary<string, string[]> Validate(ReferralDocument doc) =>
        ReferralValidator.Validate(doc, Today, AllowedStates);

    public static ReferralDocument WithChild(Func<Child, Child> change)
    {
        var doc = Load();
        return doc with { Child = change(doc.Child) };
    }

    public static ReferralDocument WithFamilyMember(Func<FamilyMember, FamilyMember> change)
    {
        var doc = Load();
        return doc with { FamilyMembers = [change(doc.FamilyMembers[0])] };
    }

    /// <summary>The example the contract documents, in this repository: walk up from the test binaries.</summary>
    private static string FindPath()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "CrossBorder.Node", "Contract", "Examples", "referral.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("src/CrossBorder.Node/Contract/Examples/referral.json not found above the test directory.");
    }
}
