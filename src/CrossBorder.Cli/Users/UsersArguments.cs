using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Users;

internal static class UsersArguments
{
    public static string Connection(CliArguments arguments) =>
        arguments.GetString("connection") ?? Environment.GetEnvironmentVariable("CROSSBORDER_CONNECTION")
        ?? throw new UsageException("--connection (or CROSSBORDER_CONNECTION) is required");
}
