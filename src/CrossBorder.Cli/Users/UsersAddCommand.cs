using System.CommandLine;
using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary>
/// <c>crossborder users add</c>: creates a console account (auditor or operator); the password comes from standard
/// input, never from the command line (where other users of the machine and shell history would see it).
/// </summary>
public sealed class UsersAddCommand : CliCommand
{
    private readonly Option<string?> _connection = CliOptions.Connection();
    private readonly Option<string> _name = UsersArguments.Name();
    private readonly Option<string> _role = new("--role") { Description = "auditor (reads the audit log and its proofs) or operator (messages, dead letters, peers)", HelpName = "auditor|operator", Required = true };
    private readonly Option<bool> _passwordStdin = UsersArguments.PasswordStdin();
    private readonly TextReader? input;
    private readonly TextWriter? output;
    private readonly TextWriter? error;

    public UsersAddCommand() : this(null, null, null)
    {
    }

    /// <summary>For tests that call the typed <c>RunAsync</c> with their own input and writers.</summary>
    public UsersAddCommand(TextReader? input, TextWriter? output = null, TextWriter? error = null)
        : base("users add", "create a console account (auditor or operator), password from stdin", """
            Exit code 1 when the name is taken; 2 for a name, role or password that is not valid.
            """)
    {
        (this.input, this.output, this.error) = (input, output, error);
        Add(_name);
        Add(_role);
        Add(_passwordStdin);
        Validators.Add(result =>
        {
            if (!result.GetValue(_passwordStdin))
                result.AddError("--password-stdin is required: the password is read from standard input");
        });
        CliOptions.AddConnection(this, _connection);
    }

    protected override Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        return RunAsync(CliOptions.ConnectionOf(parse, _connection), parse.GetValue(_name)!, parse.GetValue(_role)!, ct);
    }

    public async Task<int> RunAsync(string connection, string name, string role, CancellationToken ct)
    {
        if (ConsoleUsers.CheckName(name) is { } bad)
            throw new UsageException(bad);
        if (!ConsoleUsers.Roles.Contains(role))
            throw new UsageException("--role must be auditor or operator");
        var password = await ConsoleUsers.ReadPasswordAsync(input ?? Console.In, ct);
        if (ConsoleUsers.CheckPassword(password) is { } weak)
            throw new UsageException(weak);
        var id = await new ConsoleUsers(connection).AddAsync(name, role, password, ct);
        if (id is null)
        {
            await (error ?? Error).WriteLineAsync($"a console user named '{name}' already exists");
            return ExitCodes.Failure;
        }
        await (output ?? Output).WriteLineAsync($"console user '{name}' added as {role} (account {id})");
        return ExitCodes.Ok;
    }
}
