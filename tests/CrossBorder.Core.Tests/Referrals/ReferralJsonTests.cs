using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Tests.Referrals;

public class ReferralJsonTests
{
    [Test]
    public void Deserialize_Example_ReadsEveryGroup()
    {
        var doc = ReferralExample.Load();

        Assert.Multiple(() =>
        {
            Assert.That(doc.LegalBasis, Is.EqualTo(LegalBasis.DUBLIN_III_ART8));
            Assert.That(doc.RequestedState, Is.EqualTo("GB"));
            Assert.That(doc.CounterpartReference, Is.Null);
            Assert.That(doc.Urgent, Is.EqualTo(new Urgency { IsUrgent = false, Reason = null }));
            Assert.That(doc.ApplicationLodgedOn, Is.EqualTo(new DateOnly(2026, 10, 2)));
            Assert.That(doc.Child.Surname, Is.EqualTo("Haile"));
            Assert.That(doc.Child.Sex, Is.EqualTo(Sex.F));
            Assert.That(doc.Child.Languages, Is.EqualTo(new[] { "tir", "ara" }));
            Assert.That(doc.Child.IdentityDocuments[0].Type, Is.EqualTo(IdentityDocumentType.BIRTH_CERTIFICATE));
            Assert.That(doc.Child.AgeAssessment.Result, Is.EqualTo(AgeAssessmentResult.CONSISTENT_WITH_DECLARED));
            Assert.That(doc.Child.CurrentCare.PlacementType, Is.EqualTo(PlacementType.RECEPTION_CENTRE));
            Assert.That(doc.FamilyMembers[0].Relationship, Is.EqualTo(Relationship.SIBLING));
            Assert.That(doc.FamilyMembers[0].LegalStatus, Is.EqualTo(LegalStatus.REFUGEE));
            Assert.That(doc.FamilyMembers[0].Consent?.GivenOn, Is.EqualTo(new DateOnly(2026, 10, 10)));
            Assert.That(doc.Evidence.Select(e => e.List), Is.EqualTo(new[] { EvidenceList.A, EvidenceList.B }));
            Assert.That(doc.Representative.Role, Is.EqualTo(RepresentativeRole.ADMINISTRATEUR_AD_HOC));
            Assert.That(doc.BestInterests.Vulnerabilities, Is.EqualTo(new[] { Vulnerability.TRAUMA_INDICATORS }));
            Assert.That(doc.BestInterests.Recommendation, Is.EqualTo(Recommendation.TRANSFER));
        });
    }

    [Test]
    public void Serialize_Example_KeepsFieldNamesAndValues()
    {
        var written = ReferralJson.Serialize(ReferralExample.Load());

        // Optional fields absent from the example are written as null; compare without nulls.
        var expected = WithoutNulls(JsonNode.Parse(ReferralExample.Json));
        var actual = WithoutNulls(JsonNode.Parse(written));
        Assert.That(JsonNode.DeepEquals(expected, actual), Is.True, written);
    }

    [Test]
    public void Serialize_Enums_WritesUpperSnakeNames()
    {
        var written = ReferralJson.Serialize(ReferralExample.Load() with { LegalBasis = LegalBasis.BILATERAL_FAMILY_REUNIFICATION });

        Assert.That(written, Does.Contain("\"legalBasis\":\"BILATERAL_FAMILY_REUNIFICATION\""));
    }

    [TestCase("\"sex\": \"F\"", "\"sex\": \"Q\"", "$.child.sex")]
    [TestCase("\"legalBasis\": \"DUBLIN_III_ART8\"", "\"legalBasis\": \"DUBLIN_IV\"", "$.legalBasis")]
    [TestCase("\"legalBasis\": \"DUBLIN_III_ART8\"", "\"legalBasis\": 0", "$.legalBasis")]
    [TestCase("\"legalBasis\": \"DUBLIN_III_ART8\"", "\"legalBasis\": \"0\"", "$.legalBasis")]
    [TestCase("\"safetyRisk\": \"LOW\"", "\"safetyRisk\": \"NONE\"", "$.bestInterests.safetyRisk")]
    [TestCase("[\"TRAUMA_INDICATORS\"]", "[\"SAD\"]", "$.bestInterests.vulnerabilities[0]")]
    public void Deserialize_UnknownOrIntegerEnumValue_Throws(string original, string replacement, string path)
    {
        var json = Replace(original, replacement);

        var ex = Assert.Throws<JsonException>(() => ReferralJson.Deserialize(json));
        Assert.That(ex?.Path, Is.EqualTo(path));
    }

    [Test]
    public void Deserialize_UnknownProperty_Throws()
    {
        var json = Replace("\"placeOfBirth\": \"Asmara\",", "\"placeOfBirth\": \"Asmara\", \"religion\": \"x\",");

        var ex = Assert.Throws<JsonException>(() => ReferralJson.Deserialize(json));
        Assert.That(ex?.Message, Does.Contain("religion"));
    }

    [Test]
    public void Deserialize_PropertyInOtherCase_Throws()
    {
        var json = Replace("\"requestedState\"", "\"RequestedState\"");

        Assert.Throws<JsonException>(() => ReferralJson.Deserialize(json));
    }

    [Test]
    public void Deserialize_DuplicateProperty_Throws()
    {
        var json = Replace("\"requestedState\": \"GB\",", "\"requestedState\": \"GB\", \"requestedState\": \"FR\",");

        Assert.Throws<JsonException>(() => ReferralJson.Deserialize(json));
    }

    [Test]
    public void Deserialize_MissingRequiredProperty_Throws()
    {
        var json = Replace("\"applicationLodgedOn\": \"2026-10-02\",", "");

        var ex = Assert.Throws<JsonException>(() => ReferralJson.Deserialize(json));
        Assert.That(ex?.Message, Does.Contain("applicationLodgedOn"));
    }

    [Test]
    public void Deserialize_NullForRequiredObject_Throws()
    {
        var json = Replace("\"urgent\": { \"isUrgent\": false, \"reason\": null }", "\"urgent\": null");

        var ex = Assert.Throws<JsonException>(() => ReferralJson.Deserialize(json));
        Assert.That(ex?.Path, Is.EqualTo("$.urgent"));
    }

    [TestCase("\"2026-10-02\"", "\"2026-10-2\"")]
    [TestCase("\"2026-10-02\"", "\"2026-10-02T00:00:00Z\"")]
    [TestCase("false, \"reason\"", "\"false\", \"reason\"")]
    public void Deserialize_WrongScalarFormat_Throws(string original, string replacement)
    {
        Assert.Throws<JsonException>(() => ReferralJson.Deserialize(Replace(original, replacement)));
    }

    [Test]
    public void Deserialize_NullOptionalEnum_ReadsNull()
    {
        var json = Replace("\"method\": \"SOCIAL_WORKER_INTERVIEW\"", "\"method\": null");

        Assert.That(ReferralJson.Deserialize(json)?.Child.AgeAssessment.Method, Is.Null);
    }

    [Test]
    public void Options_AfterCreation_AreReadOnly()
    {
        Assert.That(ReferralJson.Options.IsReadOnly, Is.True);
    }

    private static string Replace(string original, string replacement)
    {
        Assert.That(ReferralExample.Json, Does.Contain(original), "test setup: text not in the example");
        return ReferralExample.Json.Replace(original, replacement, StringComparison.Ordinal);
    }

    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is null)
                    {
                        obj.Remove(name);
                    }
                    else
                    {
                        WithoutNulls(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    WithoutNulls(item);
                }

                break;
        }

        return node;
    }
}
