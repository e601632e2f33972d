using CrossBorder.Node.Peers;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;

namespace CrossBorder.Node.Tests.Telemetry;

/// <summary>
/// Polly's telemetry options are shared by every pipeline built from DI: the peer pipeline's quieter lines
/// (<see cref="PeersSetup.Severity"/>) must not quieten another pipeline's retries and timeouts.
/// </summary>
public sealed class PeerPipelineSeverityTests
{
    [TestCase("ExecutionAttempt", ResilienceEventSeverity.Warning, ResilienceEventSeverity.Debug)]
    [TestCase("OnRetry", ResilienceEventSeverity.Warning, ResilienceEventSeverity.Debug)]
    [TestCase("OnTimeout", ResilienceEventSeverity.Error, ResilienceEventSeverity.Debug)]
    [TestCase("OnCircuitHalfOpened", ResilienceEventSeverity.Warning, ResilienceEventSeverity.Information)]
    [TestCase("OnCircuitOpened", ResilienceEventSeverity.Error, ResilienceEventSeverity.Error)]
    public void ThePeerPipelinesLines_TakeItsSeverity_AnotherPipelinesKeepTheirOwn(string name, ResilienceEventSeverity polly,
        ResilienceEventSeverity peer)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddSingleton<WorkSignals>();
        services.AddPeers(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        using var provider = services.BuildServiceProvider();
        var severityOf = provider.GetRequiredService<IOptions<TelemetryOptions>>().Value.SeverityProvider!;
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            ResilienceEventSeverity Of(string pipeline) =>
                severityOf(new SeverityProviderArguments(new ResilienceTelemetrySource(pipeline, null, null), new ResilienceEvent(polly, name), context));

            Assert.That(Of(PeersSetup.PipelineName), Is.EqualTo(peer), "the peer pipeline");
            Assert.That(Of("AuditWitnessClient-standard"), Is.EqualTo(polly), "any other pipeline keeps Polly's severity");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
