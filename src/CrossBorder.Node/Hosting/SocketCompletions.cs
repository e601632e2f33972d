namespace CrossBorder.Node.Hosting;

/// <summary>
/// The node runs socket completions (Kestrel's requests, Npgsql's replies, the peer's answers) on the runtime's socket
/// event threads, one per core, instead of handing each one to the thread pool. On the couple of cores a node shares
/// with its peer and PostgreSQL, every hand-over was a thread woken on another core, and an exchange makes dozens:
/// `bench write` A/B/A/B (2026-12-03, docs/architecture.md "Socket completions inline") measured 22-28% less CPU per
/// exchange (FR 1,440-1,513 µs against 1,863-2,170; GB 1,060-1,177 against 1,570-1,657), 341-369 exchanges/s against
/// 275-281, and the p99 of creates at 200/s 14.9-22.2 ms against 27.0-29.4.
/// <para>
/// The runtime reads the setting once, from the environment, when the process first touches a socket: so
/// <see cref="PreferInline"/> runs first thing in <c>Program</c>. An operator's own value (<c>0</c> turns it off) stands.
/// What it asks of the code: no blocking wait on asynchronous work (<c>.Result</c>, <c>.Wait()</c>,
/// <c>GetAwaiter().GetResult()</c> on a task). A continuation running on a socket thread that blocked so could wait for
/// a completion only that thread would deliver (a synchronous read of a column in sequential access did: the first
/// attachment transfer hung both nodes). Nor a statement cancelled mid-flight (Http/UnitsRunToTheEnd, Workers/NodeWorker),
/// nor long CPU work on a socket thread, which delivers no other socket's completion meanwhile (Workers/EventThreads).
/// tests/inline-sockets.runsettings runs the node's tests inline, so that such a wait fails a test instead of a deployment.
/// </para>
/// </summary>
public static class SocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Sets the runtime's inline socket completions on, unless the environment already has a value.</summary>
    public static void PreferInline()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Environment.SetEnvironmentVariable(Variable, "1");
    }
}
