using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;
using CsCheck;
using Npgsql;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Node.Tests.Contract.Fuzz;

/// <summary>
/// The state a fuzz run keeps on a node pair: tokens of every kind of caller (ministry, read-only ministry, auditor, the
/// FR peer at GB), the live referral that <c>{id}</c> paths name, messages the peer really signs, and the part of each
/// node's database that a refused write must leave alone.
/// </summary>
public sealed class FuzzSession(NodePair pair)
{
    private readonly FrImpersonator _peer = new(pair);
    private readonly Dictionary<(string Node, string Who), string> _tokens = [];
    private DateTime _tokensAt;
    private int _uses;

    public string Referral { get; private set; } = "";

    public TestNode Node(string country) => country == "FR" ? pair.Fr : pair.Gb;

    /// <summary>Called once per case: a new live referral every so often, fresh tokens before the old ones expire.</summary>
    public async Task NextCaseAsync(SchemaValues values)
    {
        if (++_uses % 150 == 0)
            await NewReferralAsync(values);
        if (DateTime.UtcNow - _tokensAt > TimeSpan.FromMinutes(3))
            await RefreshTokensAsync();
    }

    /// <summary>A referral was created: replace the live one sooner, so it stays the most used.</summary>
    public void ReferralCreated() => _uses += 20;

    public string Token(string node, string scope) => scope switch
    {
        "exchange" => _tokens[("GB", "peer")],
        "audit.read" => _tokens[(node, "auditor")],
        "operations" => _tokens[(node, "operator")],
        "referrals.read" when (_uses & 1) == 0 => _tokens[(node, "reader")],
        _ => _tokens[(node, "ministry")],
    };

    /// <summary>A valid token of a client that does not hold <paramref name="scope"/>.</summary>
    public string WrongToken(string node, string scope) => scope switch
    {
        "exchange" => _tokens[("GB", "ministry")],
        "audit.read" => _tokens[(node, "ministry")],
        "operations" => (_uses & 1) == 0 ? _tokens[(node, "auditor")] : _tokens[(node, "ministry")],
        "referrals.write" => (_uses & 1) == 0 ? _tokens[(node, "reader")] : _tokens[(node, "auditor")],
        _ => node == "GB" && (_uses & 1) == 0 ? _tokens[("GB", "peer")] : _tokens[(node, "auditor")],
    };

    /// <summary>
    /// A valid token of a client that holds none of <paramref name="scopes"/>, the alternatives that grant an operation. The only
    /// operation with two (the evidence pack: audit.read or referrals.read) gets a write-only ministry token.
    /// </summary>
    public string WrongToken(string node, IReadOnlyList<string> scopes) => scopes.Count == 1
        ? WrongToken(node, scopes[0])
        : scopes.Contains("referrals.write") ? throw new InvalidOperationException("No client lacks these scopes.") : _tokens[(node, "writer")];

    public async Task RefreshTokensAsync()
    {
        foreach (var node in new[] { pair.Fr, pair.Gb })
        {
            _tokens[(node.Country, "ministry")] = Bearer(await node.MinistryAsync());
            _tokens[(node.Country, "reader")] = Bearer(await node.MinistryAsync("referrals.read"));
            _tokens[(node.Country, "writer")] = Bearer(await node.MinistryAsync("referrals.write"));
            _tokens[(node.Country, "auditor")] = Bearer(await node.AuditorAsync());
            _tokens[(node.Country, "operator")] = Bearer(await node.OperatorAsync());
        }
        _tokens[("GB", "peer")] = Bearer(await _peer.ExchangeClientAsync());
        _tokensAt = DateTime.UtcNow;
    }

    private static string Bearer(HttpClient client)
    {
        using (client)
            return client.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    /// <summary>A generated token request with "Right" credentials authenticates as the node's ministry client.</summary>
    public static string Credentials(string form, TestNode target)
    {
        var fields = form.Split('&').Where(f => f.Length > 0 && !f.StartsWith("client_id=", StringComparison.Ordinal)
            && !f.StartsWith("client_secret=", StringComparison.Ordinal) && !f.StartsWith("client_assertion", StringComparison.Ordinal)).ToList();
        fields.Add("client_id=" + Uri.EscapeDataString(target.MinistryClientId));
        fields.Add("client_secret=" + Uri.EscapeDataString(target.MinistrySecret));
        return string.Join('&', fields);
    }

    /// <summary>A message the peer really signed, with drawn content: gets past the signature to the checks behind it.</summary>
    public string SignedMessage(SchemaValues v)
    {
        var now = pair.Clock.GetUtcNow().TruncateToMilliseconds();
        var referral = v.Chance(50) && Guid.TryParse(Referral, out var live) ? live : v.Draw(Gen.Guid);
        var type = v.Pick([MessageTypes.Submitted, .. LifecycleRules.Steps.Select(s => s.MessageType), "referral.unknown"]);
        var body = type == MessageTypes.Submitted && v.Chance(70)
            ? FrImpersonator.SubmissionBody()
            : JsonSerializer.SerializeToElement(new JsonObject { ["x"] = v.Pick(SchemaValues.NastyStrings) });
        var envelope = new MessageEnvelope(Guid.CreateVersion7(now), type, v.Chance(90) ? "FR" : "GB", v.Chance(90) ? "GB" : "FR", referral,
            v.Draw(Gen.Int[0, 4]), now.AddSeconds(v.Chance(80) ? 0 : v.Draw(Gen.Int[-100_000, 100_000])), "DUBLIN_III_ART8", body);
        return _peer.Sign(envelope);
    }

    /// <summary>
    /// A referral the {id} paths point at, submitted at FR and held by both nodes; left under examination, accepted or
    /// refused, so that the steps of each of those states get past "not allowed now" (409) to their own rules.
    /// </summary>
    public async Task NewReferralAsync(SchemaValues? values = null)
    {
        using var fr = await pair.Fr.MinistryAsync();
        using var gb = await pair.Gb.MinistryAsync();
        var driver = new CaseDriver(pair, fr, gb);
        Referral = await driver.SubmitAsync();
        switch (values?.Draw(Gen.Int[0, 2]))
        {
            case 1: await driver.TakeAsync(Referral, LifecycleRules.Decision, ReferralStatus.Accepted); break;
            case 2: await driver.TakeAsync(Referral, LifecycleRules.Decision, ReferralStatus.Refused, accept: false); break;
        }
    }

    public async Task<string> ETagAsync(TestNode node)
    {
        using var http = node.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[(node.Country, "ministry")]);
        using var response = await http.GetAsync($"api/v1/referrals/{Referral}");
        return response.Headers.ETag?.ToString() ?? "\"none\"";
    }

    /// <summary>
    /// What a write changes synchronously, read from the node's database: the ministry API's idempotency keys and its
    /// own referrals and outgoing messages; the exchange API's received messages (after the peer's outbox is drained, so
    /// a real delivery in flight is not taken for a change).
    /// </summary>
    public static async Task<string> StateAsync(TestNode node, bool exchange)
    {
        if (exchange)
            await NodePair.EventuallyAsync(() => ScalarAsync(node.Peer!, "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND state = 'queued'"),
                queued => queued == "0", TimeSpan.FromSeconds(30), "the peer's outbox drained");
        return await ScalarAsync(node, exchange
            ? "SELECT count(*) FROM messages WHERE direction = 'incoming'"
            : "SELECT concat_ws('/', (SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM referrals WHERE direction = 'outgoing'), " +
              "(SELECT count(*) FROM messages WHERE direction = 'outgoing'))");
    }

    private static async Task<string> ScalarAsync(TestNode node, string sql)
    {
        await using var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }
}
