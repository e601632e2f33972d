namespace CrossBorder.Cli.Commands;

/// <summary>
/// Picks the command whose words start the command line (longest match first, so
/// <c>audit verify</c> and <c>audit</c> could coexist), runs it, and maps failures to exit codes:
/// 2 for a wrong command line (usage on stderr), 1 for anything that went wrong while running.
/// </summary>
public sealed class CommandDispatcher(IReadOnlyList<ICliCommand> commands)
{
    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteAsync(GeneralUsage());
            return ExitCodes.Usage;
        }

        if (args[0] is "--help" or "-h" or "help")
        {
            Console.Out.Write(GeneralUsage());
            return ExitCodes.Ok;
        }

        var command = commands
            .Where(c => c.Words.Count <= args.Length && c.Words.SequenceEqual(args.Take(c.Words.Count), StringComparer.Ordinal))
            .MaxBy(c => c.Words.Count);
        if (command is null)
        {
            await Console.Error.WriteLineAsync($"crossborder: unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}'");
            await Console.Error.WriteAsync(GeneralUsage());
            return ExitCodes.Usage;
        }

        try
        {
            var arguments = new CliArguments(args[command.Words.Count..]);
            if (arguments.WantsHelp)
            {
                Console.Out.Write(command.Usage);
                return ExitCodes.Ok;
            }

            return await command.RunAsync(arguments, CancellationToken.None);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"crossborder {string.Join(' ', command.Words)}: {e.Message}");
            await Console.Error.WriteAsync(command.Usage);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Operators get the reason, not a stack trace; CROSSBORDER_DEBUG=1 shows the whole exception.
            var detail = Environment.GetEnvironmentVariable("CROSSBORDER_DEBUG") == "1" ? e.ToString() : e.Message;
            await Console.Error.WriteLineAsync($"crossborder {string.Join(' ', command.Words)}: error: {detail}");
            return ExitCodes.Failure;
        }
    }

    private string GeneralUsage()
    {
        var width = commands.Max(c => string.Join(' ', c.Words).Length) + 2;
        var lines = commands.Select(c => $"  {string.Join(' ', c.Words).PadRight(width)}{c.Summary}");
        return $"""
            Usage: crossborder <command> [options]

            Commands:
            {string.Join(Environment.NewLine, lines)}

            Run 'crossborder <command> --help' for a command's options.

            """;
    }
}
