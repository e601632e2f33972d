using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.Retention;

/// <summary>What the retention and key-rotation tests share: a node's background jobs, erasure answers, personal data.</summary>
internal static class RetentionProbe
{
    /// <summary>The running instance of a node's background job (registered with AddHostedService only).</summary>
    public static T Hosted<T>(TestNode node) where T : class, IHostedService =>
        node.Services.GetServices<IHostedService>().OfType<T>().Single();

    /// <summary>Values of the example referral that are personal data: none may appear in a write's answer or an audit leaf.</summary>
    public static readonly string[] PersonalValues =
    [
        "Haile", "Selam", "Daniel", "Asmara", "2011-03-14", "1994-07-21", "BC-778812", "Calais", "H1234567", "Example Road",
        "Leeds", "LS1 4AP", "CONSENT-2026-0192", "Claire Martin", "claire.martin@example.org", "Reunification with her",
        "Wishes to live", "Birth certificates of both siblings",
    ];

    /// <summary>The property names of the personal parts of a referral document.</summary>
    public static readonly string[] PersonalProperties = ["child", "familyMembers", "representative", "bestInterests", "evidence", "personalData"];

    /// <summary>Asserts a 410 problem CB0210 with <c>erasedAt</c>; returns it.</summary>
    public static async Task<DateTimeOffset> AssertErasedAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Gone), $"{what}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), what);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.That(problem["code"]!.GetValue<string>(), Is.EqualTo("CB0210"), what);
        Assert.That(PersonalValues.Where(text.Contains), Is.Empty, $"{what}: no personal data in the problem");
        return problem["erasedAt"]!.GetValue<DateTimeOffset>();
    }

    /// <summary>Every property name anywhere in <paramref name="node"/>.</summary>
    public static IEnumerable<string> PropertyNames(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => PropertyNames(p.Value).Prepend(p.Key)),
        JsonArray a => a.SelectMany(PropertyNames),
        _ => [],
    };

    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>Keeps what a node logs at Warning and above, to check what it tells its operator.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                capture.Entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
