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
/// A node that grew again after a trim, by less than a burst's worth of work (the sequencer's or the witness's last round,
/// a console user's few requests), is trimmed again once it is idle and resident at least <see cref="Regrowth"/> above
/// where the last trim left it. The workstation GC sizes its youngest generation's budget from the L3 cache (tens of
/// MB on a server CPU), and after a compacting collection that budget is touched afresh, so a little work after the
/// trim can leave an idle node several MB above its floor until the next burst (`bench write` read FR at 199.6 and 202.6 MB in
/// two of nine runs on 2026-12-03, against a trimmed floor of 193-195 MB).
/// </summary>
public sealed class IdleMemoryTrim(NodeActivity activity, ILogger<IdleMemoryTrim> log) : NodeWorker(log)
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(2);

    /// <summary>Sparse traffic (a console user, a few creates) leaves little to give back; a full collection is not worth it.</summary>
    public const long Burst = 1000;

    /// <summary>How far an idle node may grow above the resident size its last trim left before it is trimmed again.</summary>
    public const long Regrowth = 4L << 20;

    private long _seen, _trimmedAt, _floor;

    /// <summary>
    /// Idle for a whole interval (no request since the last look), after a burst of requests since the last trim, or
    /// with the resident set grown by <see cref="Regrowth"/> above the <paramref name="floor"/> that trim left (0: none
    /// yet; a node that has had no burst has nothing to give back).
    /// </summary>
    public static bool Due(long count, long seenAtLastLook, long countAtLastTrim, long resident, long floor) =>
        count == seenAtLastLook && (count - countAtLastTrim >= Burst || floor > 0 && resident - floor >= Regrowth);

    protected override string Name => "Idle memory trim";

    protected override Task RunAsync(CancellationToken ct) => EveryAsync(IdleAfter, _ =>
    {
        Look(activity.Count, Environment.WorkingSet, GiveBack);
        return Task.CompletedTask;
    }, ct);

    /// <summary>
    /// One look: trims through <paramref name="giveBack"/> (which answers the resident size it left) when
    /// <see cref="Due"/>, and keeps what the next look compares with. True when it trimmed.
    /// </summary>
    internal bool Look(long count, long resident, Func<long> giveBack)
    {
        var due = Due(count, _seen, _trimmedAt, resident, _floor);
        if (due)
        {
            var burst = count - _trimmedAt;
            _trimmedAt = count;
            // The new floor is what this trim left, given back or not (code the JIT wrote stays), so a node does not
            // trim again and again for memory no collection can return.
            _floor = giveBack();
            // Once per burst or regrowth: when it ran and what it gave back is how an operator (or the benchmark) reads
            // a node's memory after a load.
            log.LogInformation("Idle after {Burst} requests, sends and audit entries: memory given back, resident {Before} MB -> {After} MB",
                burst, resident >> 20, _floor >> 20);
        }
        _seen = count;
        return due;
    }

    /// <summary>One aggressive, compacting collection and <c>malloc_trim</c>; answers the resident size left.</summary>
    private static long GiveBack()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
        return Environment.WorkingSet;
    }

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
