using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text;
using CrossBorder.Node.Contract;
using Microsoft.AspNetCore.Builder;
namespace CrossBorder.Node.Tests.Infrastructure;

/// <summary>
/// The French and the British node, each other's peer. Each has its own clock following the pair's shared one:
/// <see cref="Clock"/> moves both, <c>Fr.Clock</c> or <c>Gb.Clock</c> sets one apart.
/// </summary>
public sealed class NodePair : IAsyncDisposable
{
    private NodePair(TestNode fr, TestNode gb, TestClock clock)
    {
        Fr = fr;
        Gb = gb;
        Clock = clock;
    }

    public TestNode Fr { get; }
    public TestNode Gb { get; }
    public TestClock Clock { get; }

    public static async Task<NodePair> StartAsync(Func<string, Task<string>>? createDatabase = null,
        Action<string, Dictionary<string, string?>>? adjust = null, Action<string, WebApplicationBuilder>? configure = null)
    {
        createDatabase ??= TestDatabase.CreateAsync;
        var clock = new TestClock();
        var fr = new TestNode("FR", await createDatabase("fr"), new TestClock(clock));
        var gb = new TestNode("GB", await createDatabase("gb"), new TestClock(clock));
        fr.Peer = gb;
        gb.Peer = fr;
        await Task.WhenAll(fr.StartAsync(c => adjust?.Invoke("FR", c), b => configure?.Invoke("FR", b)),
            gb.StartAsync(c => adjust?.Invoke("GB", c), b => configure?.Invoke("GB", b)));
        return new NodePair(fr, gb, clock);
    }

    /// <summary>The two nodes, each other's peer, neither started: a test starts them (or replicas of them) its own way.</summary>
    public static async Task<NodePair> UnstartedAsync()
    {
        var clock = new TestClock();
        var fr = new TestNode("FR", await TestDatabase.CreateAsync("fr"), new TestClock(clock));
        var gb = new TestNode("GB", await TestDatabase.CreateAsync("gb"), new TestClock(clock));
        fr.Peer = gb;
        gb.Peer = fr;
        return new NodePair(fr, gb, clock);
    }

    public static JsonObject ExampleReferral() => JsonNode.Parse(ExampleDocuments.Referral)!.AsObject();

    public static async Task<HttpResponseMessage> PostReferralAsync(HttpClient client, JsonNode body, string? idempotencyKey = null,
        CancellationToken callerGivesUp = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/referrals")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return await client.SendAsync(request, callerGivesUp);
    }

    /// <summary>Polls until <paramref name="condition"/> holds: waiting on a condition, never a fixed sleep.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null,
        string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last;
        while (true)
        {
            last = await probe();
            if (condition(last)) return last;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Condition not met in time{(because is null ? "" : ": " + because)}. Last value: {last}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Reads the node's event feed from the start until <paramref name="condition"/> holds on its items. The feed is
    /// sequenced after commit (FeedSequencer), so an event can trail the state a test just read by one sequencer round.
    /// </summary>
    public static async Task<JsonArray> FeedEventuallyAsync(HttpClient client, Func<JsonArray, bool> condition, string? because = null) =>
        await EventuallyAsync(async () =>
        {
            // Every page: a fixture's shared node pair may hold more events than one page.
            var all = new JsonArray();
            for (long after = 0; ;)
            {
                var page = await GetJsonAsync(client, $"api/v1/events?after={after}&limit=500");
                var items = page["items"]!.AsArray();
                foreach (var item in items)
                    all.Add(item!.DeepClone());
                if (items.Count < 500)
                    return all;
                after = page["last"]!.GetValue<long>();
            }
        }, condition, because: because);

    public static async Task<JsonObject> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        await Fr.DisposeAsync();
        await Gb.DisposeAsync();
    }
}
