using CrossBorder.Node.Attachments;

namespace CrossBorder.Node.Tests.Attachments;

/// <summary>The content check sees a document in pieces of any size, as a stream delivers it.</summary>
public sealed class ContentCheckTests
{
    private static string? Check(byte[] content, string mediaType, int seed)
    {
        var random = new Random(seed);
        var check = new ContentCheck(mediaType);
        for (var at = 0; at < content.Length;)
        {
            var n = Math.Min(content.Length - at, random.Next(1, 3000));
            check.Append(content.AsSpan(at, n));
            at += n;
        }
        return check.Finish();
    }

    [Test]
    public void Finish_ValidDocumentsInRandomPieces_Pass([Range(1, 20)] int seed) =>
        Assert.Multiple(() =>
        {
            Assert.That(Check(Documents.Pdf(20_000), ContentCheck.Pdf, seed), Is.Null);
            Assert.That(Check(Documents.Jpeg(20_000), ContentCheck.Jpeg, seed), Is.Null);
            Assert.That(Check(Documents.Png(20_000), ContentCheck.Png, seed), Is.Null);
        });

    [Test]
    public void Finish_BrokenDocumentsInRandomPieces_SayWhy([Range(1, 5)] int seed)
    {
        var png = Documents.Png(20_000);
        var flipped = (byte[])png.Clone();
        flipped[5000] ^= 1; // inside IDAT: its CRC no longer matches
        Assert.Multiple(() =>
        {
            Assert.That(Check(flipped, ContentCheck.Png, seed), Does.Contain("CRC"));
            Assert.That(Check([.. png, 0], ContentCheck.Png, seed), Does.Contain("after its IEND"));
            Assert.That(Check(png[..^12], ContentCheck.Png, seed), Does.Contain("IEND"));
            Assert.That(Check(Documents.Pdf(20_000)[..^1500], ContentCheck.Pdf, seed), Does.Contain("%%EOF"));
            Assert.That(Check(Documents.Jpeg(20_000)[..^1], ContentCheck.Jpeg, seed), Does.Contain("FF D9"));
            Assert.That(Check(Documents.Pdf(2000), ContentCheck.Png, seed), Does.Contain("not image/png"));
            Assert.That(Check("GIF89a........"u8.ToArray(), ContentCheck.Png, seed), Does.Contain("not a PDF, JPEG or PNG"));
        });
    }
}
