using System.Net;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Tests.Contract;

/// <summary>
/// The documents are served by an endpoint of their own: a request for anything else never builds the document
/// generator (Swashbuckle's middleware resolved one, transient, on every request that passed it).
/// </summary>
[TestFixture]
public sealed class OpenApiServingTests
{
    private TestNode _fr = null!;
    private TestNode _gb = null!;
    private int _generators;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var clock = new TestClock();
        _fr = new TestNode("FR", await TestDatabase.CreateAsync("fr"), clock);
        _gb = new TestNode("GB", await TestDatabase.CreateAsync("gb"), clock) { Peer = _fr };
        _fr.Peer = _gb; // configured only, not started
        // Registered before the node's own (AddSwaggerGen only adds its generator when none is registered).
        await _fr.StartAsync(configure: builder => builder.Services.AddTransient<ISwaggerProvider>(services =>
        {
            Interlocked.Increment(ref _generators);
            return ActivatorUtilities.CreateInstance<SwaggerGenerator>(services);
        }));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _fr.DisposeAsync();
        await _gb.DisposeAsync();
    }

    [Test]
    public async Task ApiRequests_DoNotBuildTheDocumentGenerator_TheDocumentRequestDoes()
    {
        using var ministry = await _fr.MinistryAsync();
        var before = Volatile.Read(ref _generators);
        using (var list = await ministry.GetAsync("api/v1/referrals"))
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var missing = await ministry.GetAsync($"api/v1/referrals/{Guid.NewGuid()}"))
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var health = await _fr.Anonymous().GetAsync("health/live"))
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Volatile.Read(ref _generators), Is.EqualTo(before), "a request for something else built the document generator");

        using var document = await _fr.Anonymous().GetAsync("openapi/exchange-v1.json");
        Assert.That(document.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await document.Content.ReadAsStringAsync(), Does.Contain("\"openapi\": \"3.1"));
        Assert.That(Volatile.Read(ref _generators), Is.GreaterThan(before));

        using var unknown = await _fr.Anonymous().GetAsync("openapi/v2.json");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
