using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>--help</c> as System.CommandLine writes it (description, usage, options, subcommands), followed by the
/// command's <see cref="CliCommand.Details"/>: lists of commands stay one line a command.
/// </summary>
public sealed class CliHelp(HelpAction standard) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        standard.Invoke(parseResult);
        if (parseResult.CommandResult.Command is CliCommand { Details: { } details })
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(details.TrimEnd());
            output.WriteLine();
        }

        return ExitCodes.Ok;
    }
}
