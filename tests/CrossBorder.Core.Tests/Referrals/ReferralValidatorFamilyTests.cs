using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Tests.Referrals;

public class ReferralValidatorFamilyTests
{
    [Test]
    public void Validate_LodgedDateInFuture_ReportsLodgedDate()
    {
        var doc = ReferralExample.Load() with { ApplicationLodgedOn = ReferralExample.Today.AddDays(1) };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "applicationLodgedOn" }));
    }

    [TestCase("FR")]
    [TestCase("gb")]
    [TestCase("GBR")]
    public void Validate_RequestedStateNotAllowed_ReportsRequestedState(string state)
    {
        var doc = ReferralExample.Load() with { RequestedState = state };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "requestedState" }));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void Validate_UrgentWithoutReason_ReportsReason(string? reason)
    {
        var doc = ReferralExample.Load() with { Urgent = new Urgency { IsUrgent = true, Reason = reason } };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "urgent.reason" }));
    }

    [Test]
    public void Validate_UrgentWithReason_ReturnsNoErrors()
    {
        var doc = ReferralExample.Load() with { Urgent = new Urgency { IsUrgent = true, Reason = "Medical needs." } };

        Assert.That(ReferralExample.Validate(doc), Is.Empty);
    }

    [Test]
    public void Validate_NoFamilyMember_ReportsFamilyMembers()
    {
        var doc = ReferralExample.Load() with { FamilyMembers = [] };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors["familyMembers"], Is.EqualTo(new[] { "Must have at least 1 item." }));
    }

    [Test]
    public void Validate_FamilyMemberBornInFuture_ReportsIndexedPath()
    {
        var doc = ReferralExample.WithFamilyMember(m => m with { DateOfBirth = ReferralExample.Today.AddDays(1) });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "familyMembers[0].dateOfBirth" }));
    }

    [TestCase("XK")]
    [TestCase("UK")]
    [TestCase("gb")]
    public void Validate_BadAddressCountry_ReportsAddressCountry(string country)
    {
        var doc = ReferralExample.WithFamilyMember(m => m with { Address = m.Address with { Country = country } });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "familyMembers[0].address.country" }));
    }

    [Test]
    public void Validate_ConsentMissing_ReportsConsent()
    {
        var doc = ReferralExample.WithFamilyMember(m => m with { Consent = null });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "familyMembers[0].consent" }));
    }

    [Test]
    public void Validate_ConsentNotGivenUndatedUnreferenced_ReportsEachField()
    {
        var doc = ReferralExample.WithFamilyMember(m => m with { Consent = new Consent { Given = false } });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[]
        {
            "familyMembers[0].consent.given", "familyMembers[0].consent.givenOn", "familyMembers[0].consent.documentReference",
        }));
    }

    [Test]
    public void Validate_ConsentGivenInFuture_ReportsGivenOn()
    {
        var doc = ReferralExample.WithFamilyMember(m => m with { Consent = m.Consent! with { GivenOn = ReferralExample.Today.AddDays(1) } });

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "familyMembers[0].consent.givenOn" }));
    }

    [Test]
    public void Validate_SecondMemberWithoutConsent_ReportsSecondIndex()
    {
        var doc = ReferralExample.Load();
        doc = doc with { FamilyMembers = [doc.FamilyMembers[0], doc.FamilyMembers[0] with { Consent = null }] };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "familyMembers[1].consent" }));
    }

    [TestCase(LegalBasis.BILATERAL_FAMILY_REUNIFICATION, true, false)]
    [TestCase(LegalBasis.DUBLIN_III_ART8, false, true)]
    [TestCase(LegalBasis.SECTION_67, true, true)]
    [TestCase(LegalBasis.HUMANITARIAN, true, true)]
    public void Validate_NoConsent_DependsOnLegalBasisAndWillingness(LegalBasis basis, bool willingToCare, bool valid)
    {
        var doc = ReferralExample.WithFamilyMember(m => m with { WillingToCare = willingToCare, Consent = null }) with { LegalBasis = basis };

        var errors = ReferralExample.Validate(doc);

        Assert.That(errors, valid ? Is.Empty : Is.Not.Empty);
    }
}
