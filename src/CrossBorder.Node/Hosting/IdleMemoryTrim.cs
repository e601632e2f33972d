using System.Runtime;
using System.Runtime.InteropServices;
using CrossBorder.Node.Workers;

namespace CrossBorder.Node.Hosting;

/// <summary>
/// Gives memory back after a burst. A node that idles after a load held 240-300 MB against 185 MB before it (issue 9's
/// benchmark), of which the GC heap was ~45 MB committed: most of the rest is native memory the C library keeps in its
/// per-thread arenas once the burst's threads (TLS, OpenSSL, Npgsql) have freed it. Once the node has neither taken a
/// request nor sent a message for <see cref="IdleAfter"/> (<see cref="NodeActivity"/>), one aggressive, compacting
/// collection and a <c>malloc_trim</c> return that memory to the system; it runs once per burst of at least
/// <see cref="Burst"/> requests and messages, on a node that is doing nothing, and never under load. Health probes and
/// scrapes are not requests here: they come every few seconds forever. Sent messages count because a node that has
/// stopped taking creates may still be sending their backlog for a while: judged on requests alone, FR trimmed once its
/// creates stopped, then grew again while it delivered them, and idled at 220-230 MB. Audit entries sequenced count for
/// the same reason: the audit sequencer's round after a burst (every 5 s, thousands of entries) came after the trim
/// now and then, and the node kept what that round had grown it to (GB trimmed to 187 MB, then read 201 MB) until the
/// next burst.
/// </summary>
public sealed class IdleMemoryTrim(NodeActivity activity, ILogger<IdleMemoryTrim> log) : NodeWorker(log)
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(2);

    /// <summary>Sparse traffic (a console user, a few creates) leaves little to give back; a full collection is not worth it.</summary>
    public const long Burst = 1000;

    private long _seen, _trimmedAt;

    /// <summary>Idle for a whole interval (no request since the last look), after a burst of requests since the last trim.</summary>
    public static bool Due(long count, long seenAtLastLook, long countAtLastTrim) =>
        count == seenAtLastLook && count - countAtLastTrim >= Burst;

    protected override string Name => "Idle memory trim";

    protected override Task RunAsync(CancellationToken ct) => EveryAsync(IdleAfter, _ =>
    {
        var count = activity.Count;
        if (Due(count, _seen, _trimmedAt))
        {
            var (before, burst) = (Environment.WorkingSet, count - _trimmedAt);
            _trimmedAt = count;
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            TrimNativeHeap();
            // Once per burst: when it ran and what it gave back is how an operator (or the benchmark) reads a node's
            // memory after a load.
            log.LogInformation("Idle after a burst of {Burst} requests and sends: memory given back, resident {Before} MB -> {After} MB",
                burst, before >> 20, Environment.WorkingSet >> 20);
        }
        _seen = count;
        return Task.CompletedTask;
    }, ct);

    private static bool _noMallocTrim = !OperatingSystem.IsLinux();

    /// <summary>glibc's <c>malloc_trim</c>; another C library (musl) has none, and then there is nothing to do.</summary>
    private static void TrimNativeHeap()
    {
        if (_noMallocTrim)
            return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { _noMallocTrim = true; }
    }

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
