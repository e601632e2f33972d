using System.CommandLine;

namespace CrossBorder.Cli.Users;

/// <summary>The options every <c>users</c> command shares (besides <c>--connection</c>, <see cref="Commands.CliOptions.Connection"/>).</summary>
internal static class UsersArguments
{
    public static Option<string> Name() => new("--name") { Description = "the account's sign-in name", HelpName = "name", Required = true };

    public static Option<bool> PasswordStdin() => new("--password-stdin") { Description = "read the password (12-256 characters) from standard input" };
}
