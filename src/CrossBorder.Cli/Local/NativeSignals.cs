using System.Runtime.InteropServices;

namespace CrossBorder.Cli.Local;

/// <summary>The few POSIX signal calls .NET does not offer: sending a signal, and undoing an inherited "ignore".</summary>
public static class NativeSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private static readonly nint Default = 0;
    private static readonly nint Ignore = 1;

    /// <summary>Sends <paramref name="signal"/> to a process; false if there is no such process (or it is not ours).</summary>
    public static bool Send(int pid, int signal) => !OperatingSystem.IsWindows() && kill(pid, signal) == 0;

    /// <summary>
    /// A command started with <c>&amp;</c> by a non-interactive shell inherits SIGINT as ignored, and .NET then never
    /// delivers it to a <see cref="PosixSignalRegistration"/>. Puts the default back (before registering) so that
    /// <c>kill -INT</c> stops such a process as it stops a foreground one. Returns true when it was ignored.
    /// </summary>
    public static bool UnignoreSigInt()
    {
        if (OperatingSystem.IsWindows())
            return false;
        // Only read the current action (its handler is the first field of struct sigaction on Linux and macOS):
        // replacing the runtime's own SA_SIGINFO handler through signal() would break it.
        var current = Marshal.AllocHGlobal(256);
        try
        {
            if (sigaction(SigInt, 0, current) != 0 || Marshal.ReadIntPtr(current) != Ignore)
                return false;
        }
        finally
        {
            Marshal.FreeHGlobal(current);
        }

        signal(SigInt, Default);
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc", SetLastError = true)]
    private static extern int sigaction(int signum, nint act, nint oldact);

    [DllImport("libc", SetLastError = true)]
    private static extern nint signal(int signum, nint handler);
}
