using System.Buffers.Text;
using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder audit verify</c>: the offline verifier of issue 4. Fetches (or reads from an export) every
/// entry and the latest checkpoint the peer has cosigned, re-hashes every leaf, recomputes the root, checks the node's signature and
/// the peer's cosignature with published or pinned keys, and consistency with a checkpoint saved earlier.
/// Exit 0 only when everything holds; otherwise 1 and a message naming the first index that does not.
/// </summary>
public sealed class AuditVerifyCommand : CliCommand
{
    private const string SecretVariable = "CROSSBORDER_AUDIT_SECRET";

    private readonly Option<string?> _url = new("--url") { Description = "the node whose log to verify (an audit.read client of it is needed)", HelpName = "node url" };
    private readonly Option<string?> _clientId = new("--client-id") { Description = "an audit.read client of the node", HelpName = "id" };
    private readonly Option<string?> _clientSecret = new("--client-secret") { Description = $"its secret (default: ${SecretVariable})", HelpName = "secret" };
    private readonly Option<string?> _token = new("--token") { Description = "an audit.read access token instead of the client credentials", HelpName = "jwt" };
    private readonly Option<string?> _jwks = new("--jwks") { Description = "the node's public keys (JWKS file); default: fetched from <node>/exchange/v1/keys", HelpName = "file" };
    private readonly Option<string?> _peerUrl = new("--peer-url") { Description = "the peer node, to fetch its public keys for the cosignature (or pin them with --peer-jwks)", HelpName = "peer url" };
    private readonly Option<string?> _peerJwks = new("--peer-jwks") { Description = "the peer's public keys (JWKS file)", HelpName = "file" };
    private readonly Option<string?> _previous = new("--previous") { Description = "a checkpoint saved by an earlier run (--save): the log must extend it", HelpName = "file" };
    private readonly Option<string?> _save = new("--save") { Description = "write the verified latest checkpoint there, for the next run's --previous", HelpName = "file" };
    private readonly Option<string?> _export = new("--export") { Description = "also write the entries and checkpoint fetched, for offline verification with --file", HelpName = "file" };
    private readonly Option<int> _cosignGrace = new("--cosign-grace")
    {
        Description = "seconds an entry may await a checkpoint the peer has cosigned (normally a second or two) before the run fails; " +
            "the run verifies the newest cosigned checkpoint",
        HelpName = "seconds",
        DefaultValueFactory = _ => 120,
    };
    private readonly Option<string?> _file = new("--file")
    {
        Description = "verify an export instead of a live node (no proofs: a root mismatch is reported without an index unless a leaf names the wrong index)",
        HelpName = "export",
    };

    public AuditVerifyCommand()
        : base("audit verify", "verify a node's audit log: every leaf, the root, both signatures, consistency", """
            Live:    --url <node> (--client-id <id> --client-secret <secret> | --token <jwt>) (--peer-url <peer> | --peer-jwks <file>)
            Offline: --file <export> --jwks <file> --peer-jwks <file>
            Exit code 0 only when everything verifies, 1 when something does not (the first index that fails is named).
            """)
    {
        foreach (var option in new[] { _url, _clientId, _clientSecret, _token, _jwks, _peerUrl, _peerJwks, _previous, _save, _export, _file })
            Add(option);
        Add(_cosignGrace);
        Validators.Add(result =>
        {
            var url = result.GetValue(_url);
            var file = result.GetValue(_file);
            if ((url is null) == (file is null))
                result.AddError("give either --url or --file");
            if (result.GetValue(_peerUrl) is null && result.GetValue(_peerJwks) is null)
                result.AddError("give --peer-url or --peer-jwks: the peer's cosignature is part of the verification");
            if (result.GetValue(_cosignGrace) < 0)
                result.AddError("--cosign-grace must not be negative");
            if (file is not null && result.GetValue(_jwks) is null)
                result.AddError("--file needs --jwks (the node's public keys)");
            if (url is not null && result.GetValue(_token) is null)
            {
                if (result.GetValue(_clientId) is null)
                    result.AddError("--client-id or --token is required");
                else if (result.GetValue(_clientSecret) is null && Environment.GetEnvironmentVariable(SecretVariable) is null)
                    result.AddError($"--client-secret (or {SecretVariable}) is required");
            }
        });
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var url = parse.GetValue(_url);
        var file = parse.GetValue(_file);
        var clientId = parse.GetValue(_clientId);
        var secret = parse.GetValue(_clientSecret) ?? Environment.GetEnvironmentVariable(SecretVariable);
        var token = parse.GetValue(_token);
        var jwksFile = parse.GetValue(_jwks);
        var peerUrl = parse.GetValue(_peerUrl);
        var peerJwksFile = parse.GetValue(_peerJwks);
        var previousFile = parse.GetValue(_previous);
        var saveFile = parse.GetValue(_save);
        var exportFile = parse.GetValue(_export);

        using var http = new HttpClient();
        http.Timeout = TimeSpan.FromMinutes(5);

        string checkpointJws;
        string ownJwks;
        string? cosignatureJws;
        List<ServedEntry> entries;
        Func<long, long, IReadOnlyList<byte[]>?>? inclusion = null, consistency = null;
        if (url is not null)
        {
            var node = new Uri(url.EndsWith('/') ? url : url + "/");
            var bearer = token ?? await TokenAsync(http, node, clientId!, secret!, ct);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            // The latest checkpoint the peer has cosigned: a newer one may not be yet (this run's own token is an entry too),
            // but entries left uncosigned for long mean the peer refused them or cannot be reached: that fails the run.
            var (latest, nodeNow) = await GetJsonWithDateAsync(http, new Uri(node, "api/v1/audit/checkpoints/latest?cosigned=true"), ct);
            checkpointJws = latest["checkpoint"]!.GetValue<string>();
            cosignatureJws = latest["cosignature"]?["jws"]?.GetValue<string>();
            var size = latest["treeSize"]!.GetValue<long>();
            entries = await FetchEntriesAsync(http, node, size + 1, ct); // and the first entry after it, if any
            if (UncosignedTooLong(entries.Find(e => e.Index == size), nodeNow, TimeSpan.FromSeconds(parse.GetValue(_cosignGrace))) is { } stale)
            {
                await Error.WriteLineAsync($"audit verify: FAILED: {stale}");
                return ExitCodes.Failure;
            }
            inclusion = (i, n) => Hashes(GetJsonAsync(http, new Uri(node, $"api/v1/audit/entries/{i}/proof?treeSize={n}"), ct)
                .GetAwaiter().GetResult()["auditPath"]);
            consistency = (m, n) => Hashes(GetJsonAsync(http, new Uri(node, $"api/v1/audit/consistency?from={m}&to={n}"), ct)
                .GetAwaiter().GetResult()["proof"]);
            if (exportFile is not null)
                await File.WriteAllTextAsync(exportFile, new JsonObject
                {
                    ["checkpoint"] = checkpointJws,
                    ["cosignature"] = cosignatureJws,
                    ["entries"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
                    {
                        ["index"] = e.Index,
                        ["leaf"] = Base64Url.EncodeToString(e.Leaf),
                    }).ToArray()),
                }.ToJsonString(), ct);
            ownJwks = jwksFile is not null ? await File.ReadAllTextAsync(jwksFile, ct) : await http.GetStringAsync(new Uri(node, "exchange/v1/keys"), ct);
        }
        else
        {
            var export = JsonNode.Parse(await File.ReadAllTextAsync(file!, ct))!;
            checkpointJws = export["checkpoint"]!.GetValue<string>();
            cosignatureJws = export["cosignature"]?.GetValue<string>();
            entries = export["entries"]!.AsArray().Select(e => new ServedEntry(e!["index"]!.GetValue<long>(),
                Base64Url.DecodeFromChars(e["leaf"]!.GetValue<string>()))).ToList();
            ownJwks = await File.ReadAllTextAsync(jwksFile!, ct);
        }

        string peerJwks;
        if (peerJwksFile is not null)
        {
            peerJwks = await File.ReadAllTextAsync(peerJwksFile, ct);
        }
        else
        {
            // A client of its own: the node's bearer token must never travel to the peer.
            using var anonymous = new HttpClient();
            peerJwks = await anonymous.GetStringAsync(new Uri(new Uri(peerUrl!.EndsWith('/') ? peerUrl : peerUrl + "/"), "exchange/v1/keys"), ct);
        }
        var verifier = new LogVerifier(new KeyRing(JsonWebKeySet.Parse(ownJwks).Keys), new KeyRing(JsonWebKeySet.Parse(peerJwks).Keys));
        var previous = previousFile is not null ? (await File.ReadAllTextAsync(previousFile, ct)).Trim() : null;
        var result = verifier.Verify(checkpointJws, cosignatureJws, entries, previous, inclusion, consistency);
        if (!result.IsValid)
        {
            await Error.WriteLineAsync($"audit verify: FAILED: {result.Message}");
            return ExitCodes.Failure;
        }
        if (saveFile is not null)
            await File.WriteAllTextAsync(saveFile, checkpointJws, ct);
        await Output.WriteLineAsync($"audit verify: OK: {result.Message}; checkpoint signed by the node and cosigned by the peer" +
            (previous is null ? "" : "; consistent with the saved checkpoint"));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Null unless the first entry after the newest cosigned checkpoint was logged longer than <paramref name="grace"/>
    /// ago, judged on the node's clock (the entry's time against the node's Date header). A checkpoint normally covers
    /// an entry within a second and the peer cosigns it within another.
    /// </summary>
    private static string? UncosignedTooLong(ServedEntry? first, DateTimeOffset? nodeNow, TimeSpan grace)
    {
        if (first is null || nodeNow is not { } now)
            return null;
        DateTimeOffset logged;
        try { logged = AuditEntry.FromLeaf(first.Leaf).Time; }
        catch (FormatException) { return null; } // beyond what the signatures cover: nothing to verify it against
        return now - logged <= grace ? null
            : $"entries from index {first.Index} on (the first logged {logged:u}) have no checkpoint cosigned by the peer after " +
              $"{(now - logged).TotalSeconds:0} s: the peer refused it (see the peer's security.witness_refused entries) or cannot be reached";
    }

    private static async Task<List<ServedEntry>> FetchEntriesAsync(HttpClient http, Uri node, long size, CancellationToken ct)
    {
        var entries = new List<ServedEntry>();
        string? cursor = null;
        while (entries.Count < size)
        {
            var page = await GetJsonAsync(http, new Uri(node, "api/v1/audit/entries?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor)), ct);
            foreach (var item in page["items"]!.AsArray())
                entries.Add(new ServedEntry(item!["index"]!.GetValue<long>(), Base64Url.DecodeFromChars(item["leaf"]!.GetValue<string>())));
            cursor = page["nextCursor"]?.GetValue<string>();
            if (cursor is null) break;
        }
        return entries;
    }

    private static IReadOnlyList<byte[]>? Hashes(JsonNode? array) =>
        array?.AsArray().Select(h => Base64Url.DecodeFromChars(h!.GetValue<string>())).ToList();

    private static async Task<JsonNode> GetJsonAsync(HttpClient http, Uri uri, CancellationToken ct) =>
        (await GetJsonWithDateAsync(http, uri, ct)).Body;

    private static async Task<(JsonNode Body, DateTimeOffset? Date)> GetJsonWithDateAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        using var response = await http.GetAsync(uri, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {uri.AbsolutePath} answered {(int)response.StatusCode}: {body}");
        return (JsonNode.Parse(body)!, response.Headers.Date);
    }

    private static async Task<string> TokenAsync(HttpClient http, Uri node, string clientId, string secret, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri(node, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "audit.read",
        }), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"the token endpoint answered {(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("access_token").GetString()!;
    }
}
