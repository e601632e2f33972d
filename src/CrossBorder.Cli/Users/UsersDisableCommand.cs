using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary><c>crossborder users disable</c>: the account can no longer sign in, and its open sessions stop authorizing.</summary>
public sealed class UsersDisableCommand(TextWriter? output = null, TextWriter? error = null) : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["users", "disable"];

    public string Summary => "disable a console account (no sign-in, sessions ended)";

    public string Usage => """
        Usage: crossborder users disable --connection <node db> --name <name>

          --connection  the node's PostgreSQL connection string (also CROSSBORDER_CONNECTION)
          --name        the account's sign-in name

        Exit code 1 when there is no such account. Access tokens already issued expire within 5 minutes.

        """;

    public async Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var connection = UsersArguments.Connection(arguments);
        var name = arguments.GetRequiredString("name");
        arguments.EnsureAllRead();
        return await RunAsync(connection, name, ct);
    }

    public async Task<int> RunAsync(string connection, string name, CancellationToken ct)
    {
        if (await new ConsoleUsers(connection).DisableAsync(name, ct) is not { } id)
        {
            await (error ?? Console.Error).WriteLineAsync($"no console user named '{name}'");
            return ExitCodes.Failure;
        }
        await (output ?? Console.Out).WriteLineAsync($"console user '{name}' disabled (account {id})");
        return ExitCodes.Ok;
    }
}
