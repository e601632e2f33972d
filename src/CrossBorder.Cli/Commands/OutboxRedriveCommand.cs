using System.CommandLine;
using Npgsql;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder outbox redrive</c>: puts a dead-lettered outgoing message back in the queue, after an
/// operator fixed what made the peer refuse it. The message keeps its id and its signed bytes, so the
/// peer's idempotency still holds; a dispatcher picks it up on its next poll. (The console re-drives through the node: POST /api/v1/operations/dead-letters/{id}/redrive.)
/// </summary>
public sealed class OutboxRedriveCommand : CliCommand
{
    private readonly Option<string?> _connection = CliOptions.Connection();

    private readonly Option<Guid> _message = new("--message")
    {
        Description = "the id of the dead-lettered message (delivery.messageId on the referral)",
        HelpName = "message id",
        Required = true,
    };

    public OutboxRedriveCommand()
        : base("outbox redrive", "re-queue a dead-lettered outgoing message (operators)", """
            Only a dead-lettered outgoing message is re-queued; anything else is refused with exit code 1.
            """)
    {
        Add(_message);
        CliOptions.AddConnection(this, _connection);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var connection = CliOptions.ConnectionOf(parse, _connection);
        var messageId = parse.GetValue(_message);

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
            await Error.WriteLineAsync($"message {messageId} is not a dead-lettered outgoing message of this node");
            return ExitCodes.Failure;
        }
        await tx.CommitAsync(ct);
        await Output.WriteLineAsync($"message {messageId} re-queued");
        return ExitCodes.Ok;
    }
}
