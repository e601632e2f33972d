using CrossBorder.Node.Telemetry;

namespace CrossBorder.Node.Tests.Telemetry;

public sealed class MetricNamingTests
{
    [TestCase("outgoing", "queued", false, "outbound", "queued")]
    [TestCase("outgoing", "queued", true, "outbound", "retrying")]
    [TestCase("outgoing", "delivered", false, "outbound", "delivered")]
    [TestCase("outgoing", "dead_letter", true, "outbound", "dead_letter")]
    [TestCase("incoming", "received", false, "inbound", "delivered")]
    [TestCase("incoming", "conflict", false, "inbound", "delivered")]
    public void Classify_StoredState_MetricState(string direction, string state, bool failedBefore, string metricDirection, string metricState) =>
        Assert.That(MetricsSampler.Classify(direction, state, failedBefore), Is.EqualTo((metricDirection, metricState)));

    [TestCase("\"client\";q=200;w=4", "client")]
    [TestCase("\"peer\";q=4000;w=2", "peer")]
    [TestCase("", "unknown")]
    public void PolicyName_RateLimitPolicyHeader_Name(string header, string name) =>
        Assert.That(NodeMetrics.PolicyName(header), Is.EqualTo(name));
}
