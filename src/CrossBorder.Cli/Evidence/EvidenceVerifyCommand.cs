using CrossBorder.Cli.Commands;
using CrossBorder.Core.Evidence;

namespace CrossBorder.Cli.Evidence;

/// <summary>
/// <c>crossborder evidence verify FILE</c>: verifies a pack offline (no database, no network) and prints every check;
/// exit 0 only when everything verifies, otherwise 1 and the first part that does not hold.
/// </summary>
public sealed class EvidenceVerifyCommand(TextWriter? output = null, TextWriter? error = null) : ICliCommand
{
    private readonly TextWriter _out = output ?? Console.Out;
    private readonly TextWriter _err = error ?? Console.Error;

    public IReadOnlyList<string> Words { get; } = ["evidence", "verify"];

    public string Summary => "verify an evidence pack offline: manifest, digests, signatures, receipts, proofs, keys";

    public string Usage => """
        Usage: crossborder evidence verify <file>

          <file>  an evidence pack written by 'crossborder evidence export' (or served by GET /api/v1/referrals/{id}/evidence)

        Prints what was checked. Exit code 0 only when everything verifies; 1 and the first part that does not
        hold otherwise (e.g. 'messages[2].receipt: ...'); 2 for a wrong command line.
        Compare the keys' thumbprints printed with each node's published keys (GET /exchange/v1/keys).

        """;

    /// <summary>The file comes as the first word after <c>evidence verify</c> (or as <c>--file</c>).</summary>
    public Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var file = arguments.Positional ?? arguments.GetString("file") ?? throw new UsageException("give the pack's file");
        arguments.EnsureAllRead();
        return RunAsync(file, ct);
    }

    public async Task<int> RunAsync(string file, CancellationToken ct)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
            throw new UsageException($"no file '{file}'");
        if (info.Length > EvidenceVerifier.MaxPackLength)
        {
            await _err.WriteLineAsync($"FAILED pack: larger than {EvidenceVerifier.MaxPackLength} bytes");
            return ExitCodes.Failure;
        }
        var result = EvidenceVerifier.Verify(await File.ReadAllBytesAsync(file, ct));
        foreach (var check in result.Checks)
            await _out.WriteLineAsync($"ok    {check}");
        foreach (var note in result.Notes)
            await _out.WriteLineAsync($"note  {note}");
        if (result.Failure is { } failure)
        {
            await _out.WriteLineAsync($"FAILED {failure}");
            await _err.WriteLineAsync($"crossborder evidence verify: {file} does not verify: {failure}");
            return ExitCodes.Failure;
        }
        await _out.WriteLineAsync($"VERIFIED {result.Checks.Count} checks: the evidence pack of referral {result.Manifest!.ReferralId} by {result.Manifest.Producer} holds");
        return ExitCodes.Ok;
    }
}
