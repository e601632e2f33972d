using CrossBorder.Core.Referrals;

namespace CrossBorder.Core.Tests.Referrals;

public class ReferenceCodesTests
{
    [Test]
    public void Alpha2AndAlpha3_Lists_HoldEveryAssignedCode()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CountryCodes.Alpha3, Has.Count.EqualTo(249));
            Assert.That(CountryCodes.Alpha2, Has.Count.EqualTo(249));
            Assert.That(CountryCodes.Alpha3, Is.SupersetOf(new[] { "FRA", "GBR", "ERI", "AFG", "SSD", "SDN" }));
            Assert.That(CountryCodes.Alpha2, Is.SupersetOf(new[] { "FR", "GB", "ER", "AF" }));
        });
    }

    [TestCase("XKX")]
    [TestCase("UKK")]
    [TestCase("gbr")]
    [TestCase(null)]
    public void IsAlpha3_UnassignedOrMalformed_ReturnsFalse(string? code)
    {
        Assert.That(CountryCodes.IsAlpha3(code), Is.False);
    }

    [TestCase("qaa", false)]
    [TestCase("qtz", false)]
    [TestCase("qmm", false)]
    [TestCase("qua", true)]
    [TestCase("tir", true)]
    [TestCase("Tir", false)]
    [TestCase("tir\n", false)]
    [TestCase(null, false)]
    public void IsValid_Code_AcceptsOnlyThreeLowerCaseLettersOutsideQaaQtz(string? code, bool expected)
    {
        Assert.That(LanguageCodes.IsValid(code), Is.EqualTo(expected));
    }
}
