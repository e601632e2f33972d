using System.CommandLine;
using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

/// <summary>The options every <c>users</c> command shares.</summary>
internal static class UsersArguments
{
    public const string ConnectionVariable = "CROSSBORDER_CONNECTION";

    public static Option<string?> Connection() => new("--connection")
    {
        Description = $"the node's PostgreSQL connection string (default: ${ConnectionVariable})",
        HelpName = "connection string",
    };

    public static Option<string> Name() => new("--name") { Description = "the account's sign-in name", HelpName = "name", Required = true };

    public static Option<bool> PasswordStdin() => new("--password-stdin") { Description = "read the password (12-256 characters) from standard input" };

    public static void RequireConnection(Command command, Option<string?> connection) =>
        command.Validators.Add(result =>
        {
            if (result.GetValue(connection) is null && Environment.GetEnvironmentVariable(ConnectionVariable) is null)
                result.AddError($"--connection (or {ConnectionVariable}) is required");
        });

    public static string ConnectionOf(ParseResult parse, Option<string?> connection) =>
        parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(ConnectionVariable)!;
}
