using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Cli.Commands;

namespace CrossBorder.Cli.Evidence;

/// <summary>
/// <c>crossborder evidence export</c>: takes a token by client credentials and downloads one case's evidence pack
/// (<c>GET /api/v1/referrals/{id}/evidence</c>) to a file, byte for byte as served.
/// </summary>
public sealed class EvidenceExportCommand(TextWriter? output = null, HttpMessageHandler? handler = null) : ICliCommand
{
    private readonly TextWriter _out = output ?? Console.Out;

    public IReadOnlyList<string> Words { get; } = ["evidence", "export"];

    public string Summary => "download one case's evidence pack (messages, receipts, audit proofs, keys, signed manifest)";

    public string Usage => """
        Usage: crossborder evidence export --url <node> --client-id <id> --client-secret <secret> --referral <id> --out <file>
                                           [--include-personal-data [--purpose <text>]]

          --url                    the node holding the case
          --client-id              an audit.read client (auditor) or a referrals.read client (ministry system)
          --client-secret          may come from CROSSBORDER_CLIENT_SECRET instead
          --referral               the referral id (UUID)
          --out                    the file to write (replaced)
          --include-personal-data  every message JWS verbatim (referrals.read only; recorded as a read in the node's audit log)
          --purpose                why the personal data is read (X-Purpose, recorded with the read)

        Verify the file with 'crossborder evidence verify <file>'.

        """;

    public async Task<int> RunAsync(CliArguments arguments, CancellationToken ct)
    {
        var url = arguments.GetRequiredString("url");
        var clientId = arguments.GetRequiredString("client-id");
        var secret = arguments.GetString("client-secret") ?? Environment.GetEnvironmentVariable("CROSSBORDER_CLIENT_SECRET")
            ?? throw new UsageException("option --client-secret is required (or set CROSSBORDER_CLIENT_SECRET)");
        var referral = arguments.GetRequiredString("referral");
        var outFile = arguments.GetRequiredString("out");
        var personalData = arguments.GetFlag("include-personal-data");
        var purpose = arguments.GetString("purpose");
        arguments.EnsureAllRead();
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var node) || node.Scheme is not ("http" or "https"))
            throw new UsageException($"--url must be an http(s) URL, not '{url}'");
        if (!Guid.TryParse(referral, out var referralId))
            throw new UsageException($"--referral must be a UUID, not '{referral}'");
        if (purpose is not null && !personalData)
            throw new UsageException("--purpose goes with --include-personal-data");
        return await RunAsync(node, clientId, secret, referralId, outFile, personalData, purpose, ct);
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
        await _out.WriteLineAsync($"wrote {full}: {body.Length} bytes, SHA-256 {Convert.ToHexStringLower(SHA256.HashData(body))}");
        await _out.WriteLineAsync($"verify it with: crossborder evidence verify {outFile}");
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
