using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests;

/// <summary>Assembly-wide setup: a SetUpFixture covers its namespace and below, so it lives at the root.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeSetUp]
    public Task StartAsync() => TestDatabase.StartAsync();

    [OneTimeTearDown]
    public Task StopAsync() => TestDatabase.StopAsync();
}
