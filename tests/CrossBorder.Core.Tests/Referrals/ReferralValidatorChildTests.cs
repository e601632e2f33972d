using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Tests.Referrals;

public class ReferralValidatorChildTests
{
    private static readonly DateOnly LodgedOn = new(2026, 10, 2);

    [Test]
    public void Validate_DateOfBirthInFuture_ReportsDateOfBirth()
    {
        var doc = ReferralExample.WithChild(c => c with { DateOfBirth = ReferralExample.Today.AddDays(1) });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors["child.dateOfBirth"], Is.EqualTo(new[] { "Must not be in the future." }));
    }

    [Test]
    public void Validate_DateOfBirthAfterLodgedDate_ReportsDateOfBirth()
    {
        var doc = ReferralExample.WithChild(c => c with { DateOfBirth = LodgedOn.AddDays(1) });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.dateOfBirth" }));
    }

    [Test]
    public void Validate_EighteenOnLodgedDate_ReportsDateOfBirth()
    {
        var doc = ReferralExample.WithChild(c => c with { DateOfBirth = LodgedOn.AddYears(-18) });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors["child.dateOfBirth"], Is.EqualTo(new[] { "The child must be under 18 on applicationLodgedOn." }));
    }

    [Test]
    public void Validate_EighteenTheDayAfterLodgedDate_ReturnsNoErrors()
    {
        var doc = ReferralExample.WithChild(c => c with { DateOfBirth = LodgedOn.AddYears(-18).AddDays(1) });

        Assert.That(ReferralExample.Validate(doc), Is.Empty);
    }

    [Test]
    public void Validate_BornOnLeapDayLodgedOn28February_ReturnsNoErrors()
    {
        var doc = ReferralExample.Load() with { ApplicationLodgedOn = new DateOnly(2026, 2, 28) };
        doc = doc with { Child = doc.Child with { DateOfBirth = new DateOnly(2008, 2, 29) } };

        Assert.That(ReferralExample.Validate(doc), Is.Empty);
    }

    [Test]
    public void Validate_BornOnLeapDayLodgedOn1March_ReportsDateOfBirth()
    {
        var doc = ReferralExample.Load() with { ApplicationLodgedOn = new DateOnly(2026, 3, 1) };
        doc = doc with { Child = doc.Child with { DateOfBirth = new DateOnly(2008, 2, 29) } };

        Assert.That(ReferralExample.Validate(doc).Keys, Is.EquivalentTo(new[] { "child.dateOfBirth" }));
    }

    [TestCase("XKX", "Not an ISO 3166-1 alpha-3 country code.")]
    [TestCase("UKK", "Not an ISO 3166-1 alpha-3 country code.")]
    public void Validate_UnassignedNationality_ReportsIndexedPath(string code, string message)
    {
        var doc = ReferralExample.WithChild(c => c with { Nationalities = ["ERI", code] });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.nationalities[1]" }));
        Assert.That(errors["child.nationalities[1]"], Is.EqualTo(new[] { message }));
    }

    [TestCase("eri")]
    [TestCase("ERIT")]
    [TestCase("ER")]
    public void Validate_MalformedNationality_ReportsIndexedPath(string code)
    {
        var doc = ReferralExample.WithChild(c => c with { Nationalities = [code] });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.nationalities[0]" }));
    }

    [TestCase("qaa")]
    [TestCase("qtz")]
    [TestCase("TIR")]
    [TestCase("ti")]
    [TestCase("tir ")]
    public void Validate_BadLanguage_ReportsIndexedPath(string code)
    {
        var doc = ReferralExample.WithChild(c => c with { Languages = ["tir", code] });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.languages[1]" }));
    }

    [TestCase("qua")]
    [TestCase("prs")]
    [TestCase("pus")]
    public void Validate_LanguageOutsideReservedRange_ReturnsNoErrors(string code)
    {
        var doc = ReferralExample.WithChild(c => c with { Languages = [code] });

        Assert.That(ReferralExample.Validate(doc), Is.Empty);
    }

    [TestCase("XXA")]
    [TestCase("er")]
    public void Validate_BadIssuingCountry_ReportsDocumentPath(string code)
    {
        var doc = ReferralExample.WithChild(c => c with { IdentityDocuments = [c.IdentityDocuments[0] with { IssuingCountry = code }] });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.identityDocuments[0].issuingCountry" }));
    }

    [Test]
    public void Validate_DocumentIssuedInFuture_ReportsIssuedOn()
    {
        var doc = ReferralExample.WithChild(c => c with { IdentityDocuments = [c.IdentityDocuments[0] with { IssuedOn = ReferralExample.Today.AddDays(1) }] });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.identityDocuments[0].issuedOn" }));
    }

    [Test]
    public void Validate_AgeAssessmentPerformedWithoutResult_ReportsResult()
    {
        var doc = ReferralExample.WithChild(c => c with { AgeAssessment = c.AgeAssessment with { Result = null } });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.ageAssessment.result" }));
    }

    [Test]
    public void Validate_AgeAssessmentPerformedWithoutMethod_ReportsMethod()
    {
        var doc = ReferralExample.WithChild(c => c with { AgeAssessment = c.AgeAssessment with { Method = null } });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.ageAssessment.method" }));
    }

    [Test]
    public void Validate_AgeAssessmentNotPerformed_NeedsNoResult()
    {
        var doc = ReferralExample.WithChild(c => c with { AgeAssessment = new AgeAssessment { Performed = false, Disputed = false } });

        Assert.That(ReferralExample.Validate(doc), Is.Empty);
    }

    [Test]
    public void Validate_GivenNameTooLongOrBlank_ReportsIndexedPaths()
    {
        var doc = ReferralExample.WithChild(c => c with { GivenNames = ["Selam", new string('a', 101), " "] });

        var errors = ReferralExample.Validate(doc);

        Assert.Multiple(() =>
        {
            Assert.That(errors.Keys, Is.EquivalentTo(new[] { "child.givenNames[1]", "child.givenNames[2]" }));
            Assert.That(errors["child.givenNames[1]"], Is.EqualTo(new[] { "Must be at most 100 characters." }));
            Assert.That(errors["child.givenNames[2]"], Is.EqualTo(new[] { "Must not be blank." }));
        });
    }
}
