using System.CommandLine;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// One operator command, e.g. <c>up</c> or <c>keys generate</c>: a System.CommandLine <see cref="Command"/> that
/// declares its options in its constructor and does its work in <see cref="RunAsync"/>. Register it with one line
/// in <see cref="CliApp.Commands"/>; the group words before its name (<c>keys</c>) are created there.
/// <code>
/// public sealed class UsersDisableCommand : CliCommand
/// {
///     private readonly Option&lt;string&gt; _user = new("--user") { Description = "the account's id", Required = true };
///
///     public UsersDisableCommand() : base("users disable", "disable a person's account") => Add(_user);
///
///     protected override Task&lt;int&gt; RunAsync(ParseResult parse, CancellationToken ct) { ... return ExitCodes.Ok; }
/// }
/// </code>
/// Write to <see cref="Output"/> and <see cref="Error"/> (not <see cref="Console"/>) so tests can read what it says;
/// return an <see cref="ExitCodes"/> value. A wrong command line is a parse error (exit 2): check it with
/// <see cref="Command.Validators"/>, not in <see cref="RunAsync"/>. Any exception becomes exit 1 with its message.
/// </summary>
public abstract class CliCommand : Command
{
    /// <param name="words">The words that select the command, e.g. <c>"keys generate"</c>.</param>
    /// <param name="summary">What it does, in one line: the command lists show it, and <c>--help</c> first.</param>
    /// <param name="details">More for its <c>--help</c>, after the options: what it writes, exit codes, an example.</param>
    protected CliCommand(string words, string summary, string? details = null)
        : base(words.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], summary)
    {
        Words = words.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Details = details;
        SetAction((parse, ct) =>
        {
            Output = parse.InvocationConfiguration.Output;
            Error = parse.InvocationConfiguration.Error;
            return RunAsync(parse, ct);
        });
    }

    /// <summary>The words that select the command, e.g. <c>["keys", "generate"]</c>.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Shown at the end of the command's <c>--help</c>.</summary>
    public string? Details { get; }

    /// <summary>Where the command reports (standard output unless a test gave another writer).</summary>
    protected TextWriter Output { get; private set; } = Console.Out;

    /// <summary>Where the command reports problems (standard error unless a test gave another writer).</summary>
    protected TextWriter Error { get; private set; } = Console.Error;

    /// <summary>Runs the command with its parsed options; returns an <see cref="ExitCodes"/> value.</summary>
    protected abstract Task<int> RunAsync(ParseResult parse, CancellationToken ct);
}
