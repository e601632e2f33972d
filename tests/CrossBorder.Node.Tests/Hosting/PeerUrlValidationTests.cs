using CrossBorder.Node.Configuration;
using CrossBorder.Node.Hosting;

namespace CrossBorder.Node.Tests.Hosting;

/// <summary>
/// A peer's URL is the base its API is resolved under (and its requests are matched to, one circuit per peer): one
/// without its closing '/' would send every call to the wrong path, so the node refuses to start and names the setting.
/// </summary>
public sealed class PeerUrlValidationTests
{
    [TestCase("https://gateway.example/gb", true)]
    [TestCase("https://gateway.example/gb/", false)]
    [TestCase("https://exchange.crossborder.gb.example", false)]
    [TestCase("http://127.0.0.1:5202/", false)]
    public void APeerUrlWithAPath_MustEndWithASlash(string url, bool refused)
    {
        var options = new NodeOptions { Country = "FR", Peers = [new PeerOptions { Country = "GB", Url = new Uri(url), Jwks = "{}" }] };
        var result = new NodeOptionsValidator().Validate(null, options);
        var named = result.Failures?.Any(f => f.Contains("Node:Peers:0:Url must end with '/'")) ?? false;
        Assert.That(named, Is.EqualTo(refused), string.Join("; ", result.Failures ?? []));
    }
}
