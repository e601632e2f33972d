using System.Diagnostics;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// The node never cancels a statement by token mid-flight (docs/architecture.md, "Socket completions inline"): with
/// inline socket completions, Npgsql's cancel request (synchronous I/O) could hold a socket event thread, and every
/// socket of that thread, until the connection timeout. Npgsql's own command timeout (30 s by default) is the one way a
/// node's statement still ends early; this checks that it does not freeze the other connections.
/// </summary>
public sealed class StatementTimeoutTests
{
    [Test]
    public async Task AStatementOverItsCommandTimeout_FailsAtTheTimeout_WithoutHoldingUpOtherConnections()
    {
        var database = await TestDatabase.CreateAsync("timeout");
        await using var pings = NpgsqlDataSource.Create(database);
        await using var slow = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database) { CommandTimeout = 1 }.ConnectionString);
        using var stop = new CancellationTokenSource();
        var worstPing = TimeSpan.Zero;
        var worstPingLock = new Lock();
        var pingers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await using var connection = await pings.OpenConnectionAsync();
            await using var ping = new NpgsqlCommand("SELECT 1", connection);
            while (!stop.IsCancellationRequested)
            {
                var took = Stopwatch.StartNew();
                await ping.ExecuteScalarAsync();
                lock (worstPingLock)
                    worstPing = took.Elapsed > worstPing ? took.Elapsed : worstPing;
                await Task.Delay(5);
            }
        })).ToArray();

        var failures = new List<(Exception Error, TimeSpan After)>();
        for (var i = 0; i < 4; i++) // one after another, while the pings run
        {
            await using var connection = await slow.OpenConnectionAsync();
            await using var sleep = new NpgsqlCommand("SELECT pg_sleep(10)", connection);
            var took = Stopwatch.StartNew();
            try { await sleep.ExecuteScalarAsync(); }
            catch (NpgsqlException e) { failures.Add((e, took.Elapsed)); }
        }
        await stop.CancelAsync();
        await Task.WhenAll(pingers);

        Assert.That(failures, Has.Count.EqualTo(4), "each statement failed");
        Assert.Multiple(() =>
        {
            Assert.That(failures.Select(f => f.Error.InnerException), Is.All.InstanceOf<TimeoutException>(), "at its command timeout");
            Assert.That(failures.Min(f => f.After), Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)), "not before the timeout");
            Assert.That(failures.Max(f => f.After), Is.LessThan(TimeSpan.FromSeconds(5)), "the timeout, not the connection timeout's 15 s");
            // Measured 10-16 ms (2026-12-03). A one-off probe cancelling by a token instead (CancelAfter 1 s, not kept) froze
            // a ping for over a second: the hazard the node avoids.
            Assert.That(worstPing, Is.LessThan(TimeSpan.FromSeconds(1)), "no other connection waited for the cancel requests");
        });
    }
}
