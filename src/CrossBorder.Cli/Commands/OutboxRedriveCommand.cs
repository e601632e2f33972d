using Npgsql;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder outbox redrive</c>: puts a dead-lettered outgoing message back in the queue, after an
/// operator fixed what made the peer refuse it. The message keeps its id and its signed bytes, so the
/// peer's idempotency still holds; the dispatchers are woken at commit.
/// </summary>
public sealed class OutboxRedriveCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["outbox", "redrive"];

    public string Summary => "re-queue a dead-lettered outgoing message (operators)";

    public string Usage => """
        Usage: crossborder outbox redrive --connection <connection string> --message <message id>

          --connection  the node's PostgreSQL connection string (also CROSSBORDER_CONNECTION)
          --message     the id of the dead-lettered message (delivery.messageId on the referral)

        Only a dead-lettered outgoing message is re-queued; anything else is refused with exit code 1.

        """;

    public async Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var connection = arguments.GetString("connection") ?? Environment.GetEnvironmentVariable("CROSSBORDER_CONNECTION")
            ?? throw new UsageException("--connection (or CROSSBORDER_CONNECTION) is required");
        if (!Guid.TryParse(arguments.GetRequiredString("message"), out var messageId))
            throw new UsageException("--message must be a message id (uuid)");
        arguments.EnsureAllRead();

        await using var data = NpgsqlDataSource.Create(connection);
        await using var db = await data.OpenConnectionAsync(ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        await using var update = new NpgsqlCommand("""
            UPDATE messages SET state = 'queued', next_attempt_at = now(), lease_until = NULL, lease_token = NULL, last_error = NULL
            WHERE id = @id AND direction = 'outgoing' AND state = 'dead_letter'
            """, db, tx);
        update.Parameters.AddWithValue("id", messageId);
        if (await update.ExecuteNonQueryAsync(ct) != 1)
        {
            Console.Error.WriteLine($"message {messageId} is not a dead-lettered outgoing message of this node");
            return ExitCodes.Failure;
        }
        await using (var notify = new NpgsqlCommand("NOTIFY crossborder_outbox", db, tx))
            await notify.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        Console.WriteLine($"message {messageId} re-queued");
        return ExitCodes.Ok;
    }
}
