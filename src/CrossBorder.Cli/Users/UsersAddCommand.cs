using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary>
/// <c>crossborder users add</c>: creates a console account (auditor or operator); the password comes from standard
/// input, never from the command line (where other users of the machine and shell history would see it).
/// </summary>
public sealed class UsersAddCommand(TextReader? input = null, TextWriter? output = null, TextWriter? error = null) : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["users", "add"];

    public string Summary => "create a console account (auditor or operator), password from stdin";

    public string Usage => """
        Usage: crossborder users add --connection <node db> --name <name> --role auditor|operator --password-stdin

          --connection      the node's PostgreSQL connection string (also CROSSBORDER_CONNECTION)
          --name            the sign-in name: 1-64 characters, letters, digits and ._-
          --role            auditor (reads the audit log and its proofs) or operator (messages, dead letters, peers)
          --password-stdin  read the password (12-256 characters) from standard input

        Exit code 1 when the name is taken.

        """;

    public async Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var connection = UsersArguments.Connection(arguments);
        var name = arguments.GetRequiredString("name");
        var role = arguments.GetRequiredString("role");
        if (!arguments.GetFlag("password-stdin"))
            throw new UsageException("--password-stdin is required: the password is read from standard input");
        arguments.EnsureAllRead();
        return await RunAsync(connection, name, role, ct);
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
            await (error ?? Console.Error).WriteLineAsync($"a console user named '{name}' already exists");
            return ExitCodes.Failure;
        }
        await (output ?? Console.Out).WriteLineAsync($"console user '{name}' added as {role} (account {id})");
        return ExitCodes.Ok;
    }
}
