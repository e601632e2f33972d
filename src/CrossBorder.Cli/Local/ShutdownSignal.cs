using System.Runtime.InteropServices;

namespace CrossBorder.Cli.Local;

/// <summary>
/// Turns Ctrl-C, SIGINT and SIGTERM into a cancellation token so a command can stop its children in order, also when
/// it was started in the background (<c>&amp;</c>), where the shell leaves SIGINT ignored (<see cref="NativeSignals.UnignoreSigInt"/>).
/// A second SIGINT or SIGTERM is not intercepted: it ends the process at once, as users expect.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _error;
    private readonly List<IDisposable> _registrations = [];
    private int _requested;

    public ShutdownSignal(TextWriter? error = null)
    {
        _error = error ?? Console.Error;
        if (OperatingSystem.IsWindows())
        {
            Console.CancelKeyPress += OnCancelKeyPress;
            return;
        }

        NativeSignals.UnignoreSigInt();
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>
    /// Runs a long command (a benchmark) until it ends, <paramref name="ct"/> is cancelled or the user interrupts it; an
    /// interruption is reported as "interrupted; everything stopped." and a failure exit code (the command stops its children).
    /// </summary>
    public static async Task<int> RunInterruptibleAsync(Func<CancellationToken, Task<int>> run, CancellationToken ct)
    {
        using var signal = new ShutdownSignal();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, signal.Token);
        try
        {
            return await run(linked.Token);
        }
        catch (Exception) when (signal.IsRequested)
        {
            Console.WriteLine("interrupted; everything stopped.");
            return Commands.ExitCodes.Failure;
        }
    }

    public bool IsRequested => _cts.IsCancellationRequested;

    /// <summary>What asked to stop: "SIGINT", "SIGTERM" or "Ctrl-C"; null while nothing did.</summary>
    public string? Reason { get; private set; }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        foreach (var registration in _registrations)
            registration.Dispose();
        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context) =>
        context.Cancel = Request(context.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM");

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Request("Ctrl-C");

    /// <summary>Returns whether the signal was taken over (the first time) or should end the process (a repeat).</summary>
    private bool Request(string what)
    {
        if (Interlocked.Exchange(ref _requested, 1) == 1)
            return false;
        Reason = what;
        _error.WriteLine($"{what}: stopping (send it again to abort at once)");
        _cts.Cancel();
        return true;
    }
}
