using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Cli.Local;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>One real node: Kestrel on a loopback port, its own database, its own keys and clients.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private WebApplication? _app;

    private readonly bool _ownsKey;

    public TestNode(string country, string connectionString, TestClock clock)
    {
        Country = country;
        ConnectionString = connectionString;
        Clock = clock;
        Port = LocalPostgres.FindFreePort();
        Key = SigningKey.Generate($"{country}-test-{Guid.NewGuid():N}"[..20]);
        KeyEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        MinistrySecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        AuditorSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        OperatorSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _ownsKey = true;
    }

    private TestNode(TestNode of)
    {
        Country = of.Country;
        ConnectionString = of.ConnectionString;
        Clock = of.Clock;
        Port = LocalPostgres.FindFreePort();
        Key = of.Key;
        KeyEncryptionKey = of.KeyEncryptionKey;
        MinistrySecret = of.MinistrySecret;
        AuditorSecret = of.AuditorSecret;
        OperatorSecret = of.OperatorSecret;
        Peer = of.Peer;
    }

    /// <summary>A second replica of this node: same database, keys and clients, its own port.</summary>
    public TestNode Replica() => new(this);

    /// <summary>This node's configuration as environment variables, for running it as a separate process.</summary>
    public Dictionary<string, string> Environment(Action<Dictionary<string, string?>>? adjust = null)
    {
        var configuration = Configuration();
        adjust?.Invoke(configuration);
        return configuration.Where(c => c.Value is not null).ToDictionary(c => c.Key.Replace(":", "__"), c => c.Value!);
    }

    public string Country { get; }
    public string ConnectionString { get; }
    public TestClock Clock { get; }
    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public SigningKey Key { get; }
    public string KeyEncryptionKey { get; }
    public string MinistryClientId => $"{Country.ToLowerInvariant()}-ministry";
    public string MinistrySecret { get; }
    public string AuditorClientId => $"{Country.ToLowerInvariant()}-auditor";
    public string AuditorSecret { get; }

    /// <summary>A machine client with the operators' scope (people get it by signing in to the console).</summary>
    public string OperatorClientId => $"{Country.ToLowerInvariant()}-operator";
    public string OperatorSecret { get; }
    public TestNode? Peer { get; set; }
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The node is not running.");
    public bool IsRunning => _app is not null;

    public string Jwks => new JsonWebKeySet([Key.PublicJwk()]).ToJson();

    public Dictionary<string, string?> Configuration() => new()
    {
        ["ConnectionStrings:Node"] = ConnectionString,
        ["Node:Country"] = Country,
        ["Node:PublicUrl"] = Url.AbsoluteUri,
        ["Node:SigningKey:Kid"] = Key.Kid,
        ["Node:SigningKey:PrivateKeyPem"] = Key.Algorithm.ExportPkcs8PrivateKeyPem(),
        ["Node:KeyEncryptionKey"] = KeyEncryptionKey,
        ["Node:Peers:0:Country"] = Peer!.Country,
        ["Node:Peers:0:Url"] = Peer.Url.AbsoluteUri,
        ["Node:Peers:0:Jwks"] = Peer.Jwks,
        ["Node:Clients:0:ClientId"] = MinistryClientId,
        ["Node:Clients:0:ClientSecret"] = MinistrySecret,
        ["Node:Clients:0:Scopes:0"] = "referrals.read",
        ["Node:Clients:0:Scopes:1"] = "referrals.write",
        ["Node:Clients:1:ClientId"] = AuditorClientId,
        ["Node:Clients:1:ClientSecret"] = AuditorSecret,
        ["Node:Clients:1:Scopes:0"] = "audit.read",
        ["Node:Clients:2:ClientId"] = OperatorClientId,
        ["Node:Clients:2:ClientSecret"] = OperatorSecret,
        ["Node:Clients:2:Scopes:0"] = "operations",
        ["Exchange:RetryBaseDelay"] = "00:00:00.200",
        ["Exchange:RetryMaxDelay"] = "00:00:01",
        ["Exchange:BreakDuration"] = "00:00:01",
        ["Exchange:AttemptTimeout"] = "00:00:05",
        ["Exchange:PollInterval"] = "00:00:00.250",
        ["Audit:CheckpointInterval"] = "00:00:00.200",
        ["Deadlines:ClockInterval"] = "00:00:00.200",
        ["Feed:PollInterval"] = "00:00:00.050",
        ["RateLimit:PermitsPerSecond"] = "5000",
        ["RateLimit:Burst"] = "5000",
    };

    /// <param name="configure">More host setup after the test defaults (a log capture, a replaced service).</param>
    public async Task StartAsync(Action<Dictionary<string, string?>>? adjust = null, Action<WebApplicationBuilder>? configure = null)
    {
        var configuration = Configuration();
        adjust?.Invoke(configuration);
        var app = NodeApplication.Build(["--urls", Url.AbsoluteUri.TrimEnd('/')], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddSingleton<TimeProvider>(Clock);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        await app.InitializeAsync();
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>An HTTP client with a bearer token obtained by client credentials (no scope: all granted).</summary>
    public async Task<HttpClient> ClientAsync(string clientId, string secret, string? scope = null)
    {
        var http = new HttpClient { BaseAddress = Url };
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        };
        if (scope is not null) form["scope"] = scope;
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, $"token request failed: {(int)response.StatusCode} {body}");
        var token = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public Task<HttpClient> MinistryAsync(string? scope = null) => ClientAsync(MinistryClientId, MinistrySecret, scope);

    public Task<HttpClient> AuditorAsync() => ClientAsync(AuditorClientId, AuditorSecret);

    public Task<HttpClient> OperatorAsync() => ClientAsync(OperatorClientId, OperatorSecret);

    public HttpClient Anonymous() => new() { BaseAddress = Url };

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsKey) Key.Dispose();
    }
}
