using System.CommandLine;
using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary><c>crossborder users disable</c>: the account can no longer sign in, and its open sessions stop authorizing.</summary>
public sealed class UsersDisableCommand : CliCommand
{
    private readonly Option<string?> _connection = CliOptions.Connection();
    private readonly Option<string> _name = UsersArguments.Name();
    private readonly TextWriter? output;
    private readonly TextWriter? error;

    public UsersDisableCommand() : this(null, null)
    {
    }

    /// <summary>For tests that call the typed <c>RunAsync</c> with their own input and writers.</summary>
    public UsersDisableCommand(TextWriter? output, TextWriter? error = null)
        : base("users disable", "disable a console account (no sign-in, sessions ended)", """
            Exit code 1 when there is no such account. Access tokens already issued expire within 5 minutes.
            """)
    {
        (this.output, this.error) = (output, error);
        Add(_name);
        CliOptions.AddConnection(this, _connection);
    }

    protected override Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        return RunAsync(CliOptions.ConnectionOf(parse, _connection), parse.GetValue(_name)!, ct);
    }

    public async Task<int> RunAsync(string connection, string name, CancellationToken ct)
    {
        if (await new ConsoleUsers(connection).DisableAsync(name, ct) is not { } id)
        {
            await (error ?? Error).WriteLineAsync($"no console user named '{name}'");
            return ExitCodes.Failure;
        }
        await (output ?? Output).WriteLineAsync($"console user '{name}' disabled (account {id})");
        return ExitCodes.Ok;
    }
}
