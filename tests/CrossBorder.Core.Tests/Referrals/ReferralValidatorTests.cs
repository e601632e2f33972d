using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Tests.Referrals;

public class ReferralValidatorTests
{
    [Test]
    public void Validate_Example_ReturnsNoErrors()
    {
        var errors = ReferralExample.Validate(ReferralExample.Load());

        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void Validate_SeveralBadFields_ReportsEveryOne()
    {
        var doc = ReferralExample.Load();
        doc = doc with
        {
            RequestedState = "DE",
            ApplicationLodgedOn = ReferralExample.Today.AddDays(1),
            Child = doc.Child with { Nationalities = ["ERI", "ZZZ"], Languages = ["qab"] },
            FamilyMembers = [doc.FamilyMembers[0] with { Consent = null }],
            Evidence = [doc.Evidence[0] with { Sha256 = "abc" }],
        };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[]
        {
            "requestedState", "applicationLodgedOn", "child.nationalities[1]", "child.languages[0]",
            "familyMembers[0].consent", "evidence[0].sha256",
        }));
    }

    [Test]
    public void Validate_BadValues_MessagesDoNotEchoThem()
    {
        const string surname = "Zqxwvutsrqponmlkjihgf";
        var doc = ReferralExample.Load();
        doc = doc with
        {
            RequestedState = surname,
            Child = doc.Child with { Surname = string.Concat(Enumerable.Repeat(surname, 10)), Aliases = [surname + new string('x', 100)] },
            FamilyMembers = [doc.FamilyMembers[0] with { Surname = string.Concat(Enumerable.Repeat(surname, 10)) }],
            Evidence = [doc.Evidence[0] with { Sha256 = surname }],
        };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.SupersetOf(new[] { "requestedState", "child.surname", "child.aliases[0]", "familyMembers[0].surname", "evidence[0].sha256" }));
        Assert.That(errors.Values.SelectMany(m => m), Has.None.Contains(surname[..5]));
    }

    [Test]
    public void Validate_StringTooLong_ReportsPathWithLimit()
    {
        var doc = ReferralExample.Load();
        doc = doc with { BestInterests = doc.BestInterests with { Summary = new string('a', 4001) } };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors["bestInterests.summary"], Is.EqualTo(new[] { "Must be at most 4000 characters." }));
    }

    [Test]
    public void Validate_ListTooLong_ReportsPath()
    {
        var doc = ReferralExample.Load();
        doc = doc with { Evidence = Enumerable.Repeat(doc.Evidence[0], 51).ToList() };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors["evidence"], Is.EqualTo(new[] { "Must have at most 50 items." }));
    }

    [Test]
    public void Validate_BlankRequiredString_ReportsRequired()
    {
        var doc = ReferralExample.Load();
        doc = doc with { Representative = doc.Representative with { Name = "  " } };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors["representative.name"], Is.EqualTo(new[] { "Required." }));
    }

    [Test]
    public void Validate_NullObjectBuiltInCode_ReportsRequiredAndDoesNotThrow()
    {
        var doc = ReferralExample.Load() with { Child = null!, Urgent = null!, FamilyMembers = null! };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child", "urgent", "familyMembers" }));
    }

    [Test]
    public void Validate_NullListEntries_ReportsEachIndex()
    {
        var doc = ReferralExample.Load();
        doc = doc with
        {
            Child = doc.Child with { GivenNames = ["Selam", null!] },
            Evidence = [doc.Evidence[0], null!],
        };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.givenNames[1]", "evidence[1]" }));
    }

    [Test]
    public void Validate_UndefinedEnumBuiltInCode_ReportsUnknownValue()
    {
        var doc = ReferralExample.Load();
        doc = doc with { BestInterests = doc.BestInterests with { SafetyRisk = (SafetyRisk)42, Vulnerabilities = [(Vulnerability)42] } };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "bestInterests.safetyRisk", "bestInterests.vulnerabilities[0]" }));
    }

    [TestCase("7D865E959B2466918C9863AFCA942D0FB89D7C9AC0C99BAFC3749504DED97730")]
    [TestCase("7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded9773")]
    [TestCase("7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded9773g")]
    public void Validate_BadSha256_ReportsEvidencePath(string sha256)
    {
        var doc = ReferralExample.Load();
        doc = doc with { Evidence = [doc.Evidence[0], doc.Evidence[1] with { Sha256 = sha256 }] };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "evidence[1].sha256" }));
    }

    [Test]
    public void Validate_BestInterestsAssessedInFuture_ReportsAssessedOn()
    {
        var doc = ReferralExample.Load();
        doc = doc with { BestInterests = doc.BestInterests with { AssessedOn = ReferralExample.Today.AddDays(1) } };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "bestInterests.assessedOn" }));
    }
}
