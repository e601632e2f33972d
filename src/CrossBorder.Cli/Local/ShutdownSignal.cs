using System.Runtime.InteropServices;

namespace CrossBorder.Cli.Local;

/// <summary>
/// Turns Ctrl-C and SIGTERM into a cancellation token so the command can stop its children in
/// order. A second Ctrl-C is not intercepted: it ends the process at once, as users expect.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration? _sigterm;

    public ShutdownSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
        {
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Request("SIGTERM");
            });
        }
    }

    public CancellationToken Token => _cts.Token;

    public bool IsRequested => _cts.IsCancellationRequested;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _cts.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_cts.IsCancellationRequested)
        {
            return;
        }

        e.Cancel = true;
        Request("Ctrl-C");
    }

    private void Request(string what)
    {
        if (!_cts.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{what}: stopping (Ctrl-C again to abort at once)");
            _cts.Cancel();
        }
    }
}
