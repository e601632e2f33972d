using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Cli.Tests;

/// <summary>
/// The retry rules of the campaign's ministry client (<see cref="PersistentClient"/>), against a scripted server: what
/// it sends again (no answer, 5xx, 409 "in flight", 429), with the same request each time; what it takes as an answer
/// (2xx, and the outcomes a caller names); what it records as wrong (a 500, a refusal); when it renews its token; when
/// it gives up.
/// </summary>
public sealed class PersistentClientTests
{
    private ScriptedNode _node = null!;

    [SetUp]
    public async Task StartAsync() => _node = await ScriptedNode.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _node.DisposeAsync();

    [Test]
    public async Task NoAnswerA503AndAnInFlight409_AreSentAgain_TheSameRequest_UntilTheAnswer()
    {
        _node.Script(Reply.NoAnswer, Reply.Status(503), Reply.Problem(409, "CB0005"), Reply.Status(201, """{"id":"x"}"""));
        using var client = _node.Client(TimeSpan.FromMinutes(1));

        var answer = await client.SendAsync("create", () => Post("key-1"), CancellationToken.None);

        Assert.That(answer, Is.Not.Null);
        Assert.That(answer!.Status, Is.EqualTo("201"));
        Assert.That(answer.Body.GetProperty("id").GetString(), Is.EqualTo("x"));
        Assert.That(client.Retried, Is.EqualTo(3));
        Assert.That(_node.Keys, Is.EqualTo(new[] { "key-1", "key-1", "key-1", "key-1" }), "every attempt is the same request");
        Assert.That(client.Wrong, Is.Empty);
        Assert.That(client.Answers["no answer"], Is.EqualTo(1));
    }

    [Test]
    public async Task A500_IsRecordedAsWrong_AndSentAgain()
    {
        _node.Script(Reply.Status(500), Reply.Status(200, "{}"));
        using var client = _node.Client(TimeSpan.FromMinutes(1));

        var answer = await client.SendAsync("step", () => Post("k"), CancellationToken.None);

        Assert.That(answer?.Succeeded, Is.True);
        Assert.That(client.Wrong, Has.Count.EqualTo(1).And.Some.StartsWith("500 for step"));
    }

    [Test]
    public async Task ARefusal_IsNotSentAgain_UnlessTheCallerNamedItAsAnOutcome()
    {
        _node.Script(Reply.Problem(409, "CB0016"), Reply.Status(400), Reply.Problem(409, "CB0016"), Reply.Status(412));
        using var client = _node.Client(TimeSpan.FromMinutes(1));

        Assert.That(await client.SendAsync("step not allowed", () => Post("a"), CancellationToken.None), Is.Null);
        Assert.That(await client.SendAsync("bad request", () => Post("b"), CancellationToken.None), Is.Null);
        var named = await client.SendAsync("step", () => Post("c"), CancellationToken.None, "412", "409 CB0016");
        var precondition = await client.SendAsync("step", () => Post("d"), CancellationToken.None, "412", "409 CB0016");

        Assert.That(client.Retried, Is.Zero, "no refusal was sent twice");
        Assert.That(client.Wrong.ToArray(), Has.Length.EqualTo(2));
        Assert.That(client.Wrong.ToArray()[0], Does.StartWith("409 CB0016 for step not allowed"));
        Assert.That(client.Wrong.ToArray()[1], Does.StartWith("400 for bad request"), "the named outcomes are not wrong");
        Assert.That(named?.Status, Is.EqualTo("409 CB0016"));
        Assert.That(named!.Succeeded, Is.False);
        Assert.That(named.Body.GetProperty("code").GetString(), Is.EqualTo("CB0016"), "the problem document comes with the outcome");
        Assert.That(precondition?.Status, Is.EqualTo("412"));
    }

    [Test]
    public async Task A401_RenewsTheTokenOnce_AndTheRequestGoesAgainWithTheNewOne()
    {
        _node.Script(Reply.Status(401), Reply.Status(200, "{}"));
        using var client = _node.Client(TimeSpan.FromMinutes(1));

        var answer = await client.SendAsync("read", () => new HttpRequestMessage(HttpMethod.Get, "api/thing"), CancellationToken.None);

        Assert.That(answer?.Succeeded, Is.True);
        Assert.That(_node.Bearers, Is.EqualTo(new[] { "token-1", "token-2" }));
        Assert.That(client.Wrong, Is.Empty);
    }

    [Test]
    public async Task A429_WaitsItsRetryAfter_ThenGoesAgain()
    {
        _node.Script(Reply.Status(429, retryAfter: 1), Reply.Status(200, "{}"));
        using var client = _node.Client(TimeSpan.FromMinutes(1));

        var answer = await client.SendAsync("read", () => new HttpRequestMessage(HttpMethod.Get, "api/thing"), CancellationToken.None);

        Assert.That(answer?.Succeeded, Is.True);
        var gap = _node.Arrivals[1] - _node.Arrivals[0];
        Assert.That(gap, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)), "the second attempt waited the peer's Retry-After");
    }

    [Test]
    public async Task ANodeThatNeverAnswers2xx_IsGivenUp_AfterTheBound()
    {
        _node.Forever(Reply.Status(503));
        using var client = _node.Client(TimeSpan.FromMilliseconds(300));

        var answer = await client.SendAsync("create", () => Post("k"), CancellationToken.None);

        Assert.That(answer, Is.Null);
        Assert.That(client.GivenUp, Has.Count.EqualTo(1).And.Some.StartsWith("create: last answer 503"));
        Assert.That(client.Retried, Is.GreaterThan(0));
    }

    private static HttpRequestMessage Post(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/thing") { Content = new StringContent("{}") };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return request;
    }

    private sealed record Reply(int Code, string? Body, int? RetryAfter, bool Abort)
    {
        public static readonly Reply NoAnswer = new(0, null, null, true);

        public static Reply Status(int code, string? body = null, int? retryAfter = null) => new(code, body, retryAfter, false);

        public static Reply Problem(int code, string problemCode) =>
            new(code, $$"""{"status":{{code}},"code":"{{problemCode}}"}""", null, false);
    }

    /// <summary>A node that answers <c>/connect/token</c> with a new token each time and every other request from a script.</summary>
    private sealed class ScriptedNode : IAsyncDisposable
    {
        private readonly ConcurrentQueue<Reply> _script = new();
        private WebApplication _app = null!;
        private Reply? _forever;
        private int _tokens;

        public int Port { get; private set; }

        public ConcurrentQueue<string> Keys { get; } = new();

        public ConcurrentQueue<string> Bearers { get; } = new();

        public List<DateTimeOffset> Arrivals { get; } = [];

        public static async Task<ScriptedNode> StartAsync()
        {
            var node = new ScriptedNode();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0"); // the system picks a free port: no race with parallel tests
            node._app = builder.Build();
            node._app.MapPost("/connect/token", () =>
                Results.Json(new Dictionary<string, string> { ["access_token"] = $"token-{Interlocked.Increment(ref node._tokens)}" }));
            node._app.Map("/api/{**rest}", node.AnswerAsync);
            await node._app.StartAsync();
            node.Port = new Uri(node._app.Urls.Single()).Port;
            return node;
        }

        public void Script(params Reply[] replies)
        {
            foreach (var reply in replies)
                _script.Enqueue(reply);
        }

        public void Forever(Reply reply) => _forever = reply;

        public PersistentClient Client(TimeSpan giveUpAfter) =>
            new(new DevNode("FR", Port, Path.GetTempPath(), "kid", "token-kid", new DevNodeSecrets("kek", "secret", "auditor")), giveUpAfter);

        private async Task AnswerAsync(HttpContext http)
        {
            lock (Arrivals)
                Arrivals.Add(DateTimeOffset.UtcNow);
            if (http.Request.Headers["Idempotency-Key"] is [{ } key])
                Keys.Enqueue(key);
            if (http.Request.Headers.Authorization is [{ } bearer])
                Bearers.Enqueue(bearer!["Bearer ".Length..]);
            var reply = _script.TryDequeue(out var next) ? next : _forever ?? throw new InvalidOperationException("script ran out");
            if (reply.Abort)
            {
                http.Abort();
                return;
            }

            http.Response.StatusCode = reply.Code;
            if (reply.RetryAfter is { } seconds)
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (reply.Body is { } body)
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(body);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
