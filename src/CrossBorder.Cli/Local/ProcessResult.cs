namespace CrossBorder.Cli.Local;

/// <summary>How a short-lived helper process (initdb, pg_ctl, chown...) ended.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command and everything it printed, so the operator sees why.</summary>
    public ProcessResult EnsureSuccess(string what)
    {
        if (Succeeded)
        {
            return this;
        }

        var output = string.Join(Environment.NewLine, new[] { StandardOutput.Trim(), StandardError.Trim() }.Where(s => s.Length > 0));
        throw new InvalidOperationException($"{what} failed (exit code {ExitCode}): {CommandLine}{Environment.NewLine}{output}");
    }
}
