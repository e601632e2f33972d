using System.Diagnostics;
using OpenTelemetry.Trace;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The root sampler: a client span without a parent is a worker polling the database (a claim, a sequencer round), a
/// trace of one statement every second or so that nobody asked for; it is not recorded. Database commands and peer
/// calls made for a request or a delivery have a parent and are kept (the parent-based sampler decides those).
/// </summary>
public sealed class BackgroundChatterSampler : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
        parameters.Kind == ActivityKind.Client ? Drop : Keep;
}
