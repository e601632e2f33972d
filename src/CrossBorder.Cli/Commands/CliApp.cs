using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// The <c>crossborder</c> command line: the table of contents of its commands, and how a run maps to an exit code
/// (<see cref="ExitCodes"/>): 2 for a wrong command line (what is wrong on stderr, nothing done), 1 for anything
/// that went wrong while running, otherwise what the command returned.
/// </summary>
public static class CliApp
{
    /// <summary>Every command. Adding one is one line here.</summary>
    public static IReadOnlyList<CliCommand> Commands() =>
    [
        new UpCommand(),
        new StatusCommand(),
        new DownCommand(),
        new KeysGenerateCommand(),
        new KeysRotateCommand(),
        new KeysKekAddCommand(),
        new KeysKekStatusCommand(),
        new AuditVerifyCommand(),
        new OutboxRedriveCommand(),
        new Referrals.ReferralsEraseCommand(),
        new BenchDeliveryCommand(),
        new BenchWriteCommand(),
        new BenchAttachmentCommand(),
        new BenchFaultsCommand(),
        new Evidence.EvidenceExportCommand(),
        new Evidence.EvidenceVerifyCommand(),
        new Users.UsersAddCommand(),
        new Users.UsersDisableCommand(),
        new Users.UsersResetCommand(),
    ];

    /// <summary>One line of help for a group of commands; a group without one lists its commands.</summary>
    private static readonly Dictionary<string, string> GroupDescriptions = new(StringComparer.Ordinal)
    {
        ["keys"] = "signing keys and key-encryption keys of a node",
        ["referrals"] = "a node's cases (erasure)",
        ["users"] = "the people who sign in to the console (auditors, operators)",
        ["evidence"] = "a case's evidence pack: export and offline verification",
        ["audit"] = "the tamper-evident audit log",
        ["outbox"] = "a node's outgoing messages",
        ["bench"] = "benchmarks against local nodes",
    };

    public static Command BuildRoot(IEnumerable<CliCommand> commands)
    {
        // A plain command, not RootCommand, so usage says `crossborder` whatever process hosts it (tests: testhost).
        var root = new Command("crossborder", "CrossBorder operator tool: run the local FR/GB pair, make keys, verify audit logs, re-drive messages.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        foreach (var command in commands)
        {
            Command parent = root;
            foreach (var word in command.Words.SkipLast(1))
            {
                var group = parent.Subcommands.FirstOrDefault(c => c.Name == word);
                if (group is null)
                {
                    group = new Command(word, GroupDescriptions.GetValueOrDefault(word));
                    parent.Add(group);
                }

                parent = group;
            }

            parent.Add(command);
        }

        foreach (var group in root.Subcommands.Where(c => c is not CliCommand && c.Description is null))
            group.Description = $"commands: {string.Join(", ", group.Subcommands.Select(c => c.Name))}";

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new CliHelp((HelpAction)help.Action!);
        return root;
    }

    /// <summary>Parses and runs one command line; returns its exit code. Tests pass writers to read what it printed.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken ct = default)
    {
        var root = BuildRoot(Commands());
        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // Exceptions become one line below, not a stack trace.
            EnableDefaultExceptionHandler = false,
            // Commands that start processes stop them in order on Ctrl-C/SIGTERM themselves (ShutdownSignal), which may
            // take longer than System.CommandLine's grace period; the others may simply end.
            ProcessTerminationTimeout = null,
        };

        if (parse.Action is ParseErrorAction parseError)
        {
            parseError.ShowHelp = false;
            // Errors and typo suggestions both to stderr: standard output stays for what a command produces.
            await parse.InvokeAsync(new InvocationConfiguration { Output = configuration.Error, Error = configuration.Error }, ct);
            var command = parse.CommandResult.Command;
            if (command is CliCommand)
                await configuration.Error.WriteLineAsync($"Run 'crossborder {CommandWords(parse)} --help' for usage.");
            else // no command given (`crossborder`, `crossborder keys`): the list of commands is the answer, on stderr
                await root.Parse([.. CommandWords(parse).Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"])
                    .InvokeAsync(new InvocationConfiguration { Output = configuration.Error }, ct);
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(configuration, ct);
        }
        catch (UsageException e)
        {
            await configuration.Error.WriteLineAsync($"crossborder {CommandWords(parse)}: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Operators get the reason, not a stack trace; CROSSBORDER_DEBUG=1 shows the whole exception.
            var detail = Environment.GetEnvironmentVariable("CROSSBORDER_DEBUG") == "1" ? e.ToString() : e.Message;
            await configuration.Error.WriteLineAsync($"crossborder {CommandWords(parse)}: error: {detail}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The words of the command the line selected, e.g. <c>keys generate</c> (empty for the root).</summary>
    private static string CommandWords(ParseResult parse)
    {
        var words = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult { Parent: not null } command; result = result.Parent)
            words.Insert(0, command.Command.Name);
        return string.Join(' ', words);
    }
}
