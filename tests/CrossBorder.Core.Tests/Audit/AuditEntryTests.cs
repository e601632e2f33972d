using System.Text;
using CrossBorder.Core.Audit;

namespace CrossBorder.Core.Tests.Audit;

public sealed class AuditEntryTests
{
    [Test]
    public void ToLeaf_AllFields_CanonicalJsonInFixedOrder()
    {
        var entry = new AuditEntry(7, new DateTimeOffset(2026, 11, 23, 10, 0, 0, 123, TimeSpan.Zero), AuditKinds.MessageSent,
            ReferralId: Guid.Parse("0190f2a8-0000-7000-8000-000000000001"), MessageId: Guid.Parse("0190f2a8-0000-7000-8000-000000000002"),
            MessageType: "referral.submitted", Peer: "GB", Digest: "abc");

        var leaf = Encoding.UTF8.GetString(entry.ToLeaf());

        Assert.That(leaf, Is.EqualTo("""{"v":1,"index":7,"time":"2026-11-23T10:00:00.123Z","kind":"message.sent","referralId":"0190f2a8-0000-7000-8000-000000000001","messageId":"0190f2a8-0000-7000-8000-000000000002","messageType":"referral.submitted","peer":"GB","digest":"abc"}"""));
    }

    [Test]
    public void FromLeaf_RoundTrip_SameEntry()
    {
        var entry = new AuditEntry(3, new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.Zero), AuditKinds.PersonalDataRead,
            Client: "fr-ministry", ReferralId: Guid.NewGuid(), Purpose: "case review", Detail: "referral");

        Assert.That(AuditEntry.FromLeaf(entry.ToLeaf()), Is.EqualTo(entry));
    }

    [TestCase("")]
    [TestCase("[]")]
    [TestCase("""{"v":2,"index":0,"time":"2026-01-01T00:00:00.000Z","kind":"x"}""")]
    [TestCase("""{"v":1,"time":"2026-01-01T00:00:00.000Z","kind":"x"}""")]
    public void FromLeaf_NotAnEntry_FormatException(string leaf) =>
        Assert.Throws<FormatException>(() => AuditEntry.FromLeaf(Encoding.UTF8.GetBytes(leaf)));
}
