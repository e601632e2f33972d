using System.CommandLine;
using CrossBorder.Cli.Commands;
using CrossBorder.Core.Evidence;

namespace CrossBorder.Cli.Evidence;

/// <summary>
/// <c>crossborder evidence verify FILE</c>: verifies a pack offline (no database, no network) and prints every check;
/// exit 0 only when everything verifies, otherwise 1 and the first part that does not hold.
/// </summary>
public sealed class EvidenceVerifyCommand : CliCommand
{
    private readonly Argument<string> _file = new("file") { Description = "an evidence pack written by 'crossborder evidence export' (or served by GET /api/v1/referrals/{id}/evidence)" };
    private TextWriter? _out;
    private TextWriter? _err;

    public EvidenceVerifyCommand() : this(null, null)
    {
    }

    /// <summary>For tests that call <see cref="RunAsync(string, CancellationToken)"/> directly with their own writers.</summary>
    public EvidenceVerifyCommand(TextWriter? output, TextWriter? error)
        : base("evidence verify", "verify an evidence pack offline: manifest, digests, signatures, receipts, proofs, keys", """
            Prints what was checked. Exit code 0 only when everything verifies; 1 and the first part that does not
            hold otherwise (e.g. 'messages[2].receipt: ...'); 2 for a wrong command line.
            Compare the keys' thumbprints printed with each node's published keys (GET /exchange/v1/keys).
            """)
    {
        (_out, _err) = (output, error);
        _file.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && value.StartsWith('-'))
                result.AddError($"Unrecognized command or argument '{value}'.");
        });
        Add(_file);
    }

    protected override Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        (_out, _err) = (_out ?? Output, _err ?? Error);
        return RunAsync(parse.GetValue(_file)!, ct);
    }

    public async Task<int> RunAsync(string file, CancellationToken ct)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            await Err.WriteLineAsync($"crossborder evidence verify: no file '{file}'");
            return ExitCodes.Usage;
        }
        if (info.Length > EvidenceVerifier.MaxPackLength)
        {
            await Err.WriteLineAsync($"FAILED pack: larger than {EvidenceVerifier.MaxPackLength} bytes");
            return ExitCodes.Failure;
        }
        var result = EvidenceVerifier.Verify(await File.ReadAllBytesAsync(file, ct));
        foreach (var check in result.Checks)
            await Out.WriteLineAsync($"ok    {check}");
        foreach (var note in result.Notes)
            await Out.WriteLineAsync($"note  {note}");
        if (result.Failure is { } failure)
        {
            await Out.WriteLineAsync($"FAILED {failure}");
            await Err.WriteLineAsync($"crossborder evidence verify: {file} does not verify: {failure}");
            return ExitCodes.Failure;
        }
        await Out.WriteLineAsync($"VERIFIED {result.Checks.Count} checks: the evidence pack of referral {result.Manifest!.ReferralId} by {result.Manifest.Producer} holds");
        return ExitCodes.Ok;
    }

    private TextWriter Out => _out ?? Output;
    private TextWriter Err => _err ?? Error;
}
