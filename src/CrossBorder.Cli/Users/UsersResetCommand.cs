using System.CommandLine;
using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary>
/// <c>crossborder users reset</c>: a new password from standard input; clears failed attempts and a lockout, and ends
/// the account's sign-in sessions.
/// </summary>
public sealed class UsersResetCommand : CliCommand
{
    private readonly Option<string?> _connection = CliOptions.Connection();
    private readonly Option<string> _name = UsersArguments.Name();
    private readonly Option<bool> _passwordStdin = UsersArguments.PasswordStdin();
    private readonly TextReader? input;
    private readonly TextWriter? output;
    private readonly TextWriter? error;

    public UsersResetCommand() : this(null, null, null)
    {
    }

    /// <summary>For tests that call the typed <c>RunAsync</c> with their own input and writers.</summary>
    public UsersResetCommand(TextReader? input, TextWriter? output = null, TextWriter? error = null)
        : base("users reset", "set a new password from stdin, lift a lockout, end sessions", """
            The password always comes from standard input (--password-stdin is accepted for symmetry). Exit code 1 when there is no such account.
            """)
    {
        (this.input, this.output, this.error) = (input, output, error);
        Add(_name);
        Add(_passwordStdin);
        CliOptions.AddConnection(this, _connection);
    }

    protected override Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        return RunAsync(CliOptions.ConnectionOf(parse, _connection), parse.GetValue(_name)!, ct);
    }

    public async Task<int> RunAsync(string connection, string name, CancellationToken ct)
    {
        var password = await ConsoleUsers.ReadPasswordAsync(input ?? Console.In, ct);
        if (ConsoleUsers.CheckPassword(password) is { } weak)
            throw new UsageException(weak);
        if (await new ConsoleUsers(connection).ResetAsync(name, password, ct) is not { } id)
        {
            await (error ?? Error).WriteLineAsync($"no console user named '{name}'");
            return ExitCodes.Failure;
        }
        await (output ?? Output).WriteLineAsync($"console user '{name}': password reset, lockout lifted (account {id})");
        return ExitCodes.Ok;
    }
}
