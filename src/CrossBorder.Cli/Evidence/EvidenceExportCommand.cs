using System.CommandLine;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Evidence;

/// <summary>
/// <c>crossborder evidence export</c>: takes a token by client credentials and downloads one case's evidence pack
/// (<c>GET /api/v1/referrals/{id}/evidence</c>) to a file, byte for byte as served.
/// </summary>
public sealed class EvidenceExportCommand : CliCommand
{
    private const string SecretVariable = "CROSSBORDER_CLIENT_SECRET";
    private readonly Option<string> _url = new("--url") { Description = "the node holding the case", Required = true, HelpName = "node url" };
    private readonly Option<string> _clientId = new("--client-id") { Description = "an audit.read client (auditor) or a referrals.read client (ministry system)", Required = true, HelpName = "id" };
    private readonly Option<string?> _clientSecret = new("--client-secret") { Description = $"its secret (default: ${SecretVariable})", HelpName = "secret" };
    private readonly Option<Guid> _referral = new("--referral") { Description = "the referral id (UUID)", Required = true, HelpName = "id" };
    private readonly Option<string> _outFile = new("--out") { Description = "the file to write (replaced)", Required = true, HelpName = "file" };
    private readonly Option<bool> _personalData = new("--include-personal-data") { Description = "every message JWS verbatim (referrals.read only; recorded as a read in the node's audit log)" };
    private readonly Option<string?> _purpose = new("--purpose") { Description = "why the personal data is read (X-Purpose, recorded with the read)", HelpName = "text" };
    private readonly HttpMessageHandler? handler;
    private TextWriter? _out;

    public EvidenceExportCommand() : this(null)
    {
    }

    /// <summary>For tests that call the typed <c>RunAsync</c> directly with their own writer or handler.</summary>
    public EvidenceExportCommand(TextWriter? output, HttpMessageHandler? handler = null)
        : base("evidence export", "download one case's evidence pack (messages, receipts, audit proofs, keys, signed manifest)",
            "Verify the file with 'crossborder evidence verify <file>'. Exit code 0 when the pack was written, 1 when the node refused.")
    {
        (_out, this.handler) = (output, handler);
        foreach (var option in new Option[] { _url, _clientId, _clientSecret, _referral, _outFile, _personalData, _purpose })
            Add(option);
        Validators.Add(result =>
        {
            if (result.GetValue(_clientSecret) is null && Environment.GetEnvironmentVariable(SecretVariable) is null)
                result.AddError($"--client-secret is required (or set {SecretVariable})");
            if (result.GetValue(_purpose) is not null && !result.GetValue(_personalData))
                result.AddError("--purpose goes with --include-personal-data");
            if (result.GetValue(_url) is { } url && !IsNodeUrl(url, out _))
                result.AddError($"--url must be an http(s) URL, not '{url}'");
        });
    }

    private static bool IsNodeUrl(string url, out Uri node) =>
        Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out node!) && node.Scheme is "http" or "https";

    protected override Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        _out ??= Output;
        IsNodeUrl(parse.GetValue(_url)!, out var node);
        return RunAsync(node, parse.GetValue(_clientId)!, parse.GetValue(_clientSecret) ?? Environment.GetEnvironmentVariable(SecretVariable)!,
            parse.GetValue(_referral), parse.GetValue(_outFile)!, parse.GetValue(_personalData), parse.GetValue(_purpose), ct);
    }

    /// <summary>The export itself; 0 when the pack was written, 1 when the node refused (its problem is printed).</summary>
    public async Task<int> RunAsync(Uri node, string clientId, string secret, Guid referralId, string outFile, bool personalData,
        string? purpose, CancellationToken ct)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromMinutes(5);
        var token = await TokenAsync(http, node, clientId, secret, ct);

        using var request = new HttpRequestMessage(HttpMethod.Get,
            new Uri(node, $"api/v1/referrals/{referralId}/evidence{(personalData ? "?include=personal-data" : "")}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (purpose is not null)
            request.Headers.TryAddWithoutValidation("X-Purpose", purpose);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"crossborder evidence export: the node answered {(int)response.StatusCode}: {Problem(body)}");
            return ExitCodes.Failure;
        }

        var full = Path.GetFullPath(outFile);
        var temporary = full + ".part";
        await File.WriteAllBytesAsync(temporary, body, ct);
        File.Move(temporary, full, overwrite: true);
        await (_out ?? Output).WriteLineAsync($"wrote {full}: {body.Length} bytes, SHA-256 {Convert.ToHexStringLower(SHA256.HashData(body))}");
        await (_out ?? Output).WriteLineAsync($"verify it with: crossborder evidence verify {outFile}");
        return ExitCodes.Ok;
    }

    private static async Task<string> TokenAsync(HttpClient http, Uri node, string clientId, string secret, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri(node, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"the token endpoint answered {(int)response.StatusCode}: {Truncate(body)}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("access_token").GetString()
            ?? throw new InvalidOperationException("the token endpoint answered without an access_token");
    }

    /// <summary>The problem document's code, title and detail; the raw text when it is not one.</summary>
    private static string Problem(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var e = doc.RootElement;
            string? S(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            return $"{S("code")} {S("title")} {S("detail")}".Trim();
        }
        catch (JsonException)
        {
            return Truncate(System.Text.Encoding.UTF8.GetString(body));
        }
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
