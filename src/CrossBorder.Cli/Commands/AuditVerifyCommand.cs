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
/// entry, the latest checkpoint the peer has cosigned and the node's newest checkpoint, re-hashes every leaf, recomputes both
/// roots, checks the node's signatures and the peer's cosignature with published or pinned keys, and consistency with a
/// checkpoint saved earlier. Entries after the cosigned checkpoint may await the peer's cosignature only --cosign-grace.
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
        foreach (var option in new Option[] { _url, _clientId, _clientSecret, _token, _jwks, _peerUrl, _peerJwks, _previous, _save, _export, _cosignGrace, _file })
            Add(option);
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
        string? newestJws; // the node's newest checkpoint, cosigned or not (null in an export written before it was kept)
        DateTimeOffset? nodeNow = null;
        List<ServedEntry> entries;
        Func<long, long, IReadOnlyList<byte[]>?>? inclusion = null, consistency = null;
        if (url is not null)
        {
            var node = new Uri(url.EndsWith('/') ? url : url + "/");
            var bearer = token ?? await TokenAsync(http, node, clientId!, secret!, ct);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            // Two checkpoints: the newest the peer has cosigned, and the newest of all (read after it, so never smaller), which
            // may not be cosigned yet: this run's own token is an entry too. Every entry up to the newest is verified.
            var (cosigned, date) = await GetJsonWithDateAsync(http, new Uri(node, "api/v1/audit/checkpoints/latest?cosigned=true"), ct,
                notFound: "the node has no checkpoint its peer has cosigned");
            nodeNow = date;
            checkpointJws = cosigned["checkpoint"]!.GetValue<string>();
            cosignatureJws = cosigned["cosignature"]?["jws"]?.GetValue<string>();
            var newest = await GetJsonAsync(http, new Uri(node, "api/v1/audit/checkpoints/latest"), ct);
            newestJws = newest["checkpoint"]!.GetValue<string>();
            entries = await FetchEntriesAsync(http, node, newest["treeSize"]!.GetValue<long>(), ct);
            inclusion = (i, n) => Hashes(GetJsonAsync(http, new Uri(node, $"api/v1/audit/entries/{i}/proof?treeSize={n}"), ct)
                .GetAwaiter().GetResult()["auditPath"]);
            consistency = (m, n) => Hashes(GetJsonAsync(http, new Uri(node, $"api/v1/audit/consistency?from={m}&to={n}"), ct)
                .GetAwaiter().GetResult()["proof"]);
            if (exportFile is not null)
                await File.WriteAllTextAsync(exportFile, new JsonObject
                {
                    ["checkpoint"] = checkpointJws,
                    ["cosignature"] = cosignatureJws,
                    ["newestCheckpoint"] = newestJws,
                    ["exportedAt"] = (nodeNow ?? DateTimeOffset.UtcNow).ToString("O"),
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
            newestJws = export["newestCheckpoint"]?.GetValue<string>();
            nodeNow = export["exportedAt"]?.GetValue<DateTimeOffset>();
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
        var ownKeys = new KeyRing(JsonWebKeySet.Parse(ownJwks).Keys);
        var verifier = new LogVerifier(ownKeys, new KeyRing(JsonWebKeySet.Parse(peerJwks).Keys));
        var previous = previousFile is not null ? (await File.ReadAllTextAsync(previousFile, ct)).Trim() : null;
        // The verifier asks for proofs synchronously (inclusion, consistency: fetched over HTTP and waited for). It runs on a
        // pool thread: the thread that waits must never be one that delivers socket completions, as it can be where the
        // command runs in a process with them inline (the node's tests).
        var result = await Task.Run(() => verifier.Verify(checkpointJws, cosignatureJws, entries, previous, inclusion, consistency), ct);
        if (!result.IsValid)
        {
            await Error.WriteLineAsync($"audit verify: FAILED: {result.Message}");
            return ExitCodes.Failure;
        }

        var (failure, pending) = newestJws is null || newestJws == checkpointJws ? (null, "") // the newest is the cosigned one
            : await Task.Run(() => VerifyNewerEntries(ownKeys, newestJws, checkpointJws, result.Checkpoint!.TreeSize, entries, inclusion,
                consistency, nodeNow ?? DateTimeOffset.UtcNow, TimeSpan.FromSeconds(parse.GetValue(_cosignGrace))), ct);
        if (failure is not null)
        {
            await Error.WriteLineAsync($"audit verify: FAILED: {failure}");
            return ExitCodes.Failure;
        }
        if (saveFile is not null)
            await File.WriteAllTextAsync(saveFile, checkpointJws, ct);
        await Output.WriteLineAsync($"audit verify: OK: {result.Message}; checkpoint signed by the node and cosigned by the peer" +
            (previous is null ? "" : "; consistent with the saved checkpoint") + pending);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The entries after the cosigned checkpoint: the node's newest checkpoint must verify with its keys, cover each leaf
    /// and have the cosigned checkpoint as a prefix. They may wait for the peer's cosignature only <paramref name="grace"/>,
    /// counted from the first one's time (a signed leaf) to the node's clock.
    /// </summary>
    private static (string? Failure, string Summary) VerifyNewerEntries(KeyRing ownKeys, string newestJws, string cosignedJws, long cosignedSize,
        List<ServedEntry> entries, Func<long, long, IReadOnlyList<byte[]>?>? inclusion, Func<long, long, IReadOnlyList<byte[]>?>? consistency,
        DateTimeOffset now, TimeSpan grace)
    {
        var tail = new LogVerifier(ownKeys, null).Verify(newestJws, null, entries, cosignedJws, inclusion, consistency);
        if (!tail.IsValid)
            return ($"the node's newest checkpoint, after the cosigned one of size {cosignedSize}: {tail.Message}", "");
        var newest = tail.Checkpoint!.TreeSize;
        if (newest <= cosignedSize)
            return (null, "");
        var first = AuditEntry.FromLeaf(entries[(int)cosignedSize].Leaf).Time;
        var waited = now - first;
        return waited <= grace
            ? (null, $"; {newest - cosignedSize} newer entries verified under the node's checkpoint of size {newest}, awaiting the peer's cosignature")
            : ($"entries from index {cosignedSize} on (the first logged {first:u}) have waited {waited.TotalSeconds:0} s for a checkpoint " +
               $"the peer cosigns (--cosign-grace {grace.TotalSeconds:0}): the peer refused them (its security.witness_refused entries " +
               $"say why), cannot be reached, or the node has not asked yet; they verify under the node's checkpoint of size {newest}", "");
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

    /// <param name="notFound">What a 404 means here, said instead of the node's answer.</param>
    private static async Task<(JsonNode Body, DateTimeOffset? Date)> GetJsonWithDateAsync(HttpClient http, Uri uri, CancellationToken ct,
        string? notFound = null)
    {
        using var response = await http.GetAsync(uri, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound && notFound is not null)
            throw new InvalidOperationException(notFound);
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
