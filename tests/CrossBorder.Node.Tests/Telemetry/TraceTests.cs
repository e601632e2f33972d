using System.Collections.Concurrent;
using System.Diagnostics;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Telemetry;

/// <summary>
/// One exchange is one trace across both nodes (issue 13), and spans carry ids, types and codes only. Both nodes run
/// in this process, so a listener here sees the spans of both.
/// </summary>
public sealed class TraceTests
{
    private NodePair _pair = null!;
    private ActivityListener _listener = null!;
    private ConcurrentQueue<Activity> _spans = null!;

    /// <summary>What the example referral says about the child and the family: none of it may reach a span.</summary>
    private static readonly string[] PersonalData =
        ["Haile", "Selam", "Daniel", "2011-03-14", "1994-07-21", "Asmara", "BC-778812", "12 Example Road", "LS1 4AP", "Leeds", "Calais"];

    [SetUp]
    public async Task StartAsync()
    {
        _spans = new ConcurrentQueue<Activity>();
        var spans = _spans;
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "System.Net.Http" or "Microsoft.AspNetCore" or "CrossBorder.Node" or "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _pair = await NodePair.StartAsync();
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _pair.DisposeAsync();
        _listener.Dispose();
    }

    private static bool IsSpan(Activity a, string source, ActivityKind kind) => a.Source.Name == source && a.Kind == kind;

    private static string? Tag(Activity a, string key) => a.GetTagItem(key)?.ToString();

    [Test]
    public async Task Exchange_ReferralDelivered_FrPeerCallAndGbServerSpanShareOneTrace()
    {
        var cases = await CaseDriver.CreateAsync(_pair);
        await cases.SubmitAsync();
        var gbPort = _pair.Gb.Port.ToString();

        // GB's server span for the delivery, FR's outgoing call it answered, the delivery span that made the call in
        // FR's background dispatcher, and the ministry's request that queued the message. Spans end just after the
        // answers the test sees: wait for them.
        var (client, server, delivery, create) = await NodePair.EventuallyAsync(() =>
        {
            var all = _spans.ToArray();
            var servers = all.Where(a => IsSpan(a, "Microsoft.AspNetCore", ActivityKind.Server)
                && Tag(a, "url.path") == "/exchange/v1/messages" && Tag(a, "server.port") == gbPort).ToList();
            var clients = all.Where(a => IsSpan(a, "System.Net.Http", ActivityKind.Client)
                && Tag(a, "url.full") is { } url && url.EndsWith("/exchange/v1/messages") && Tag(a, "server.port") == gbPort).ToList();
            var (c, s) = clients.SelectMany(c => servers.Where(s => s.ParentSpanId == c.SpanId).Select(s => (c, s))).FirstOrDefault();
            var d = c is null ? null : all.FirstOrDefault(a => a.SpanId == c.ParentSpanId);
            var q = all.FirstOrDefault(a => IsSpan(a, "Microsoft.AspNetCore", ActivityKind.Server) && Tag(a, "url.path") == "/api/v1/referrals"
                && Tag(a, "http.request.method") == "POST");
            return Task.FromResult((Client: c, Server: s, Delivery: d, Create: q));
        }, p => p.Client is not null && p.Delivery is not null && p.Create is not null, because: "the exchange's spans on both nodes");

        Assert.That(server!.TraceId, Is.EqualTo(client!.TraceId), "GB's server span continues FR's trace");
        Assert.That(server.ParentSpanId, Is.EqualTo(client.SpanId));

        // The call was made by the outbox dispatcher in the background: a delivery span of its own is its parent, and it
        // links to the ministry's request that queued the message.
        Assert.Multiple(() =>
        {
            Assert.That(delivery!.Source.Name, Is.EqualTo("CrossBorder.Node"));
            Assert.That(delivery.DisplayName, Is.EqualTo("deliver referral.submitted"));
            Assert.That(delivery.TraceId, Is.EqualTo(client.TraceId));
            Assert.That(Tag(delivery, "crossborder.delivery.outcome"), Is.EqualTo("delivered"));
            Assert.That(Tag(delivery, "crossborder.peer"), Is.EqualTo("GB"));
            Assert.That(delivery.Links.Select(l => l.Context.SpanId), Does.Contain(create!.SpanId),
                "the delivery links to the request that queued it");
        });

        // GB's work for the message (its database statements) is part of the same trace, under its server span.
        var underServer = new HashSet<ActivitySpanId> { server.SpanId };
        foreach (var span in _spans.Where(a => a.TraceId == server.TraceId).OrderBy(a => a.StartTimeUtc))
            if (underServer.Contains(span.ParentSpanId)) underServer.Add(span.SpanId);
        Assert.That(_spans.Where(a => a.Source.Name == "Npgsql" && underServer.Contains(a.ParentSpanId)), Is.Not.Empty);
    }

    [Test]
    public async Task Spans_ExchangeAndReads_CarryNoPersonalDataNorQueryValues()
    {
        var cases = await CaseDriver.CreateAsync(_pair);
        var id = await cases.SubmitAsync();
        using (var read = await cases.Gb.GetAsync($"api/v1/referrals/{id}")) // a response that carries personal data
            Assert.That(await read.Content.ReadAsStringAsync(), Does.Contain("Haile"));
        using (var list = await cases.Fr.GetAsync("api/v1/referrals?dueBefore=2031-01-01T00:00:00Z&limit=5"))
            Assert.That(list.IsSuccessStatusCode, Is.True);

        await NodePair.EventuallyAsync(() => Task.FromResult(_spans.Count(a => IsSpan(a, "Microsoft.AspNetCore", ActivityKind.Server)
            && Tag(a, "url.path") == "/api/v1/referrals" && Tag(a, "http.request.method") == "GET")), n => n > 0, because: "the list's span");
        var spans = _spans.ToArray();
        Assert.That(spans, Has.Length.GreaterThan(20));
        var texts = spans.SelectMany(a => a.TagObjects.Select(t => $"{a.Source.Name} {a.DisplayName} {t.Key}={t.Value}")
            .Concat(a.Events.SelectMany(e => e.Tags.Select(t => $"{a.Source.Name} {a.DisplayName} event {e.Name} {t.Key}={t.Value}")))
            .Append($"{a.Source.Name} name {a.DisplayName} {a.StatusDescription}")).ToList();
        Assert.Multiple(() =>
        {
            foreach (var value in PersonalData)
                Assert.That(texts.Where(t => t.Contains(value, StringComparison.OrdinalIgnoreCase)), Is.Empty, value);
            Assert.That(texts.Where(t => t.Contains("2031-01-01")), Is.Empty, "query values are redacted");
            Assert.That(spans.SelectMany(a => a.TagObjects).Select(t => t.Key),
                Has.None.Contains("body").And.None.Contains("header"), "no bodies, no headers");
        });
        var query = spans.Select(a => Tag(a, "url.query")).Where(q => q is not null).ToList();
        Assert.That(query, Is.Not.Empty, "the list request's query is recorded, without its values");
    }
}
