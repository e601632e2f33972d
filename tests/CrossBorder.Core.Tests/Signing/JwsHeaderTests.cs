using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CrossBorder.Core.Signing;
using CrossBorder.Core.Text;

namespace CrossBorder.Core.Tests.Signing;

/// <summary>Issue 11: the wire format names the header members alg, kid and typ; nothing else is accepted.</summary>
[TestFixture]
public sealed class JwsHeaderTests
{
    private const string Type = "crossborder-message+jws";

    [Test]
    public void Verify_SignedBySign_Valid()
    {
        using var key = SigningKey.Generate("k1");
        var jws = Jws.Sign("{}"u8, key, Type);
        Assert.That(Jws.Verify(jws, Type, new KeyRing([key.PublicJwk()])).IsValid, Is.True);
    }

    [TestCase("{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"" + Type + "\",\"crit\":[\"exp\"],\"exp\":1}")]
    [TestCase("{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"" + Type + "\",\"jku\":\"https://evil.example/jwks\"}")]
    [TestCase("{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"" + Type + "\",\"kid\":\"k2\"}")]
    [TestCase("{\"alg\":\"ES256\",\"kid\":\"k1\"}")]
    [TestCase("{\"alg\":\"ES256\",\"kid\":1,\"typ\":\"" + Type + "\"}")]
    [TestCase("[\"ES256\"]")]
    public void Verify_HeaderBeyondAlgKidTyp_RefusedAsMalformed(string header)
    {
        using var key = SigningKey.Generate("k1");
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString("{}"u8);
        var signature = key.Algorithm.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var result = Jws.Verify(input + "." + Base64Url.EncodeToString(signature), Type, new KeyRing([key.PublicJwk()]));
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Failure, Is.EqualTo(JwsFailure.Malformed));
    }

    [TestCase("plain text", true)]
    [TestCase("Tigrinya ትግርኛ and emoji \U0001F600", true)]
    [TestCase("nul\0inside", false)]
    public void StorableText_RefusesNul(string text, bool storable) =>
        Assert.That(StorableText.IsStorable(text), Is.EqualTo(storable));

    // Built in code: attribute arguments cannot carry a lone surrogate (they are stored as UTF-8).
    [Test]
    public void StorableText_RefusesLoneSurrogates()
    {
        Assert.That(StorableText.IsStorable(new string(['a', '\ud800', 'b'])), Is.False, "high without low");
        Assert.That(StorableText.IsStorable(new string(['a', '\udc00'])), Is.False, "low without high");
        Assert.That(StorableText.IsStorable(new string(['\ud800'])), Is.False, "high at the end");
        Assert.That(StorableText.IsStorable(new string(['\ud83d', '\ude00'])), Is.True, "a pair");
    }

    [Test]
    public void Verify_NotJsonHeader_Malformed()
    {
        var result = Jws.Verify("bm90LWpzb24.e30.AAAA", Type, new KeyRing([]));
        Assert.That(result.Failure, Is.EqualTo(JwsFailure.Malformed));
    }
}
