using Npgsql;

namespace CrossBorder.Node.Features.Exchange;

/// <summary>
/// LISTENs for the NOTIFY that every transaction queuing an outgoing message sends at commit, so any
/// replica's dispatcher starts within milliseconds instead of waiting for its next poll.
/// </summary>
public sealed class OutboxListener(NpgsqlDataSource dataSource, OutboxSignal signal, ILogger<OutboxListener> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => signal.Notify();
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxSignal.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                signal.Notify(); // anything committed while we were not listening
                while (!ct.IsCancellationRequested)
                    await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                log.LogWarning("Outbox listener lost its database connection ({Error}); the dispatcher polls meanwhile", e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }
}
