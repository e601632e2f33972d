using System.Text.Json;
using CrossBorder.Node.Hosting;

namespace CrossBorder.Node.Tests.Hosting;

/// <summary>
/// The runtime settings the node ships with (its csproj, written to <c>CrossBorder.Node.runtimeconfig.json</c>), each
/// chosen from a measurement on two shared cores (docs/architecture.md, "What one exchange costs"): a setting lost in an
/// edit of the project file would only show as a slower or larger node.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Test]
    public void NodeRuntimeConfig_CarriesTheMeasuredSettings()
    {
        var path = Path.Combine(Path.GetDirectoryName(typeof(NodeApplication).Assembly.Location)!, "CrossBorder.Node.runtimeconfig.json");
        Assert.That(File.Exists(path), Is.True, $"{path} (the node's runtime configuration, copied beside its assembly)");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Multiple(() =>
        {
            // The server GC's per-core heaps hold hundreds of MB after a burst; the workstation GC gives them back.
            Assert.That(properties.GetProperty("System.GC.Server").GetBoolean(), Is.False, "workstation GC");
            // Dynamic PGO's extra recompilations competed with requests for a minute after start.
            Assert.That(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean(), Is.False, "no dynamic PGO");
            // Idle thread-pool workers spinning took CPU from the work they waited for.
            Assert.That(properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32(), Is.Zero,
                "idle thread-pool workers do not spin");
        });
    }
}
