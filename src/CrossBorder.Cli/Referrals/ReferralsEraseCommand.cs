using System.CommandLine;
using CrossBorder.Cli.Commands;
using Npgsql;

namespace CrossBorder.Cli.Referrals;

/// <summary>
/// <c>crossborder referrals erase</c>: erases one case on this node before its retention period ends (a legal order),
/// through the same database function as the node's retention job (<c>erase_referral</c>): the data key, personal
/// data and message texts go; metadata, digests, receipts and the audit log stay; the erasure is an audit entry with
/// the reason. <c>--dry-run</c> says what would go and changes nothing.
/// </summary>
public sealed class ReferralsEraseCommand : CliCommand
{
    private readonly Option<string?> _connection = CliOptions.Connection();

    private readonly Option<Guid> _referral = new("--referral") { Description = "the referral id (UUID)", HelpName = "id", Required = true };

    private readonly Option<string> _reason = new("--reason")
    {
        Description = "why, for the audit log: a reference such as an order number, never a name (1-200 characters)",
        HelpName = "text",
        Required = true,
    };

    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "print what would be erased and change nothing" };

    public ReferralsEraseCommand()
        : base("referrals erase", "erase one case's personal data on this node now (a legal order), with a reason", """
            The peer's copy is not touched: each node erases its own. Exit code 0 when erased (or already erased, or
            the dry run found the case), 1 when this node holds no such case.
            """)
    {
        foreach (var option in new Option[] { _referral, _reason, _dryRun })
            Add(option);
        CliOptions.AddConnection(this, _connection);
        Validators.Add(result =>
        {
            if (result.GetValue(_reason) is { } reason && (reason.Trim().Length is 0 or > 200 || reason.Any(char.IsControl)))
                result.AddError("--reason must be 1-200 characters without control characters");
        });
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var referral = parse.GetValue(_referral);
        await using var data = NpgsqlDataSource.Create(CliOptions.ConnectionOf(parse, _connection));
        await using var what = data.CreateCommand("""
            SELECT r.reference, r.status, r.closed_at, r.erased_at,
                   (SELECT count(*) FROM messages m WHERE m.referral_id = r.id),
                   (SELECT count(*) FROM messages m WHERE m.referral_id = r.id AND m.direction = 'outgoing' AND m.state = 'queued')
            FROM referrals r WHERE r.id = $1
            """);
        what.Parameters.Add(new NpgsqlParameter { Value = referral });
        await using (var row = await what.ExecuteReaderAsync(ct))
        {
            if (!await row.ReadAsync(ct))
            {
                await Error.WriteLineAsync($"this node holds no referral {referral}");
                return ExitCodes.Failure;
            }
            if (!row.IsDBNull(3))
            {
                await Output.WriteLineAsync($"referral {referral} was already erased at {row.GetFieldValue<DateTimeOffset>(3):O}");
                return ExitCodes.Ok;
            }
            await Output.WriteLineAsync($"""
                referral {referral} ({row.GetString(0)}, {row.GetString(1)}{(row.IsDBNull(2) ? ", open" : $", closed {row.GetFieldValue<DateTimeOffset>(2):O}")})
                  goes:  its data key, its personal data, the texts of its {row.GetInt64(4)} message(s){(row.GetInt64(5) > 0 ? $"; {row.GetInt64(5)} message(s) still queued for the peer are dead-lettered" : "")}
                  stays: its metadata, every message's digest and receipt, the audit log (plus one referral.erased entry)
                """);
        }
        if (parse.GetValue(_dryRun))
        {
            await Output.WriteLineAsync("dry run: nothing changed");
            return ExitCodes.Ok;
        }

        await using var erase = data.CreateCommand("SELECT erase_referral($1, $2, $3, $4)");
        erase.Parameters.Add(new NpgsqlParameter { Value = referral });
        erase.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        erase.Parameters.Add(new NpgsqlParameter { Value = "operator" });
        erase.Parameters.Add(new NpgsqlParameter { Value = parse.GetValue(_reason)!.Trim() });
        object? erasedAt;
        try { erasedAt = await erase.ExecuteScalarAsync(ct); }
        catch (PostgresException e) when (e.SqlState == "55006")
        {
            await Error.WriteLineAsync("a message of this case is being delivered to the peer right now: nothing was erased; run the command again in a few seconds");
            return ExitCodes.Failure;
        }
        await Output.WriteLineAsync($"erased at {erasedAt:O}");
        return ExitCodes.Ok;
    }
}
