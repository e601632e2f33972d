namespace CrossBorder.Cli.Commands;

/// <summary>One operator command, e.g. <c>up</c> or <c>keys generate</c>.</summary>
public interface ICliCommand
{
    /// <summary>The words that select the command, e.g. <c>["keys", "generate"]</c>.</summary>
    IReadOnlyList<string> Words { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Full usage text shown by <c>crossborder &lt;command&gt; --help</c>.</summary>
    string Usage { get; }

    /// <summary>Runs the command with the arguments after its words; returns the exit code.</summary>
    Task<int> RunAsync(CliArguments arguments, CancellationToken ct);
}
