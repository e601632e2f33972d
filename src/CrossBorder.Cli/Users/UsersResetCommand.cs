using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary>
/// <c>crossborder users reset</c>: a new password from standard input; clears failed attempts and a lockout, and ends
/// the account's sign-in sessions.
/// </summary>
public sealed class UsersResetCommand(TextReader? input = null, TextWriter? output = null, TextWriter? error = null) : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["users", "reset"];

    public string Summary => "set a console account's new password (from stdin) and lift its lockout";

    public string Usage => """
        Usage: crossborder users reset --connection <node db> --name <name>

          --connection  the node's PostgreSQL connection string (also CROSSBORDER_CONNECTION)
          --name        the account's sign-in name

        The new password (12-256 characters) is read from standard input. Exit code 1 when there is no such account.
        A disabled account stays disabled.

        """;

    public async Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var connection = UsersArguments.Connection(arguments);
        var name = arguments.GetRequiredString("name");
        arguments.GetFlag("password-stdin"); // accepted for symmetry with `users add`; the password always comes from stdin
        arguments.EnsureAllRead();
        return await RunAsync(connection, name, ct);
    }

    public async Task<int> RunAsync(string connection, string name, CancellationToken ct)
    {
        var password = await ConsoleUsers.ReadPasswordAsync(input ?? Console.In, ct);
        if (ConsoleUsers.CheckPassword(password) is { } weak)
            throw new UsageException(weak);
        if (await new ConsoleUsers(connection).ResetAsync(name, password, ct) is not { } id)
        {
            await (error ?? Console.Error).WriteLineAsync($"no console user named '{name}'");
            return ExitCodes.Failure;
        }
        await (output ?? Console.Out).WriteLineAsync($"console user '{name}': password reset, lockout lifted (account {id})");
        return ExitCodes.Ok;
    }
}
