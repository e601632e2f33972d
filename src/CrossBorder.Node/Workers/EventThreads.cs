namespace CrossBorder.Node.Workers;

/// <summary>
/// The node runs socket completions on the runtime's socket event threads (Hosting/SocketCompletions): after an awaited
/// read, code may be on one, and while it computes that thread delivers no other socket's completion. CPU work of tens of
/// milliseconds (a password's or a client secret's PBKDF2) goes to a pool thread instead.
/// </summary>
public static class EventThreads
{
    public static Task<T> OffloadAsync<T>(Func<T> work, CancellationToken ct) => Task.Run(work, ct);

    /// <inheritdoc cref="OffloadAsync{T}(Func{T}, CancellationToken)"/>
    public static Task<T> OffloadAsync<T>(Func<Task<T>> work, CancellationToken ct) => Task.Run(work, ct);
}
