namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>
/// Exception assertions that await. NUnit's <c>Assert.ThrowsAsync</c>, <c>Assert.CatchAsync</c> and
/// <c>Assert.That(async () => …)</c> block their thread until the task ends; these tests run with socket completions
/// inline when run with inline-sockets.runsettings, so a test's continuation may be on a socket event thread, and
/// blocking it can hold up the very completion awaited (as a blocking wait in a deployed node would).
/// </summary>
internal static class AsyncAssert
{
    /// <summary>The exception of exactly type <typeparamref name="T"/> that <paramref name="code"/> throws.</summary>
    public static async Task<T> ThrowsAsync<T>(Func<Task> code, string? message = null) where T : Exception
    {
        var thrown = await ThrownAsync(code);
        Assert.That(thrown, Is.TypeOf<T>(), message);
        return (T)thrown!;
    }

    /// <summary>The exception of type <typeparamref name="T"/>, or one derived from it, that <paramref name="code"/> throws.</summary>
    public static async Task<T> CatchAsync<T>(Func<Task> code, string? message = null) where T : Exception
    {
        var thrown = await ThrownAsync(code);
        Assert.That(thrown, Is.InstanceOf<T>(), message);
        return (T)thrown!;
    }

    /// <summary>Whatever exception <paramref name="code"/> throws.</summary>
    public static Task<Exception> CatchAsync(Func<Task> code, string? message = null) => CatchAsync<Exception>(code, message);

    private static async Task<Exception?> ThrownAsync(Func<Task> code)
    {
        try { await code(); }
        catch (Exception e) { return e; }
        return null;
    }
}
