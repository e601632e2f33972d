using CrossBorder.Node.Http;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Retention;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// A database outage under load refuses every request with 503 (DatabaseOutageTests); the operator reads one line per
/// <see cref="DatabaseUnavailableHandler.ReportEvery"/> with the number refused since, not one per request, and never
/// the exception's message.
/// </summary>
public sealed class DatabaseUnavailableReportTests
{
    [Test]
    public async Task ManyRefusals_OneLinePerPeriod_WithTheCountSince_EachAnswered503()
    {
        var logs = new LogCapture();
        var clock = new TestClock();
        clock.Freeze(DateTimeOffset.Parse("2026-11-30T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var handler = new DatabaseUnavailableHandler(LoggerFor(logs), clock);

        for (var i = 0; i < 100; i++)
            Assert.That(await RefuseAsync(handler), Is.EqualTo(StatusCodes.Status503ServiceUnavailable));
        Assert.That(Lines(logs), Has.Count.EqualTo(1), "the first refusal of an outage is told at once");
        Assert.That(Lines(logs)[0], Does.Contain("database unavailable (TimeoutException)").And.Not.Contain("pg_hba"),
            "the type, never the message");

        clock.Freeze(clock.GetUtcNow() + DatabaseUnavailableHandler.ReportEvery - TimeSpan.FromMilliseconds(1));
        await RefuseAsync(handler);
        Assert.That(Lines(logs), Has.Count.EqualTo(1), "still within the period");

        clock.Freeze(clock.GetUtcNow() + TimeSpan.FromMilliseconds(1));
        await RefuseAsync(handler);
        Assert.That(Lines(logs), Has.Count.EqualTo(2));
        Assert.That(Lines(logs)[1], Does.Contain("100 more refused since the last report"));
    }

    [Test]
    public async Task AnOutagesTail_IsToldWhenItsPeriodEnds_AndWhenTheNodeStops()
    {
        var logs = new LogCapture();
        var clock = new ManualTimers(DateTimeOffset.Parse("2026-11-30T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var handler = new DatabaseUnavailableHandler(LoggerFor(logs), clock);

        for (var i = 0; i < 5; i++)
            await RefuseAsync(handler);
        Assert.That(Lines(logs), Has.Count.EqualTo(1));
        // The outage ends 3 s in: the 4 refused after the first line are told when the period ends, not at the next outage.
        Assert.That(clock.Timers, Has.Count.EqualTo(1), "one timer for the period's end");
        Assert.That(clock.Timers[0].Due, Is.EqualTo(DatabaseUnavailableHandler.ReportEvery));
        clock.Now += DatabaseUnavailableHandler.ReportEvery;
        clock.Timers[0].Fire();
        Assert.That(Lines(logs), Has.Count.EqualTo(2));
        Assert.That(Lines(logs)[1], Does.Contain("4 more requests refused with 503 since the last report")
            .And.Contain("(TimeoutException)").And.Not.Contain("pg_hba"));
        handler.ReportTail();
        Assert.That(Lines(logs), Has.Count.EqualTo(2), "nothing refused since: nothing to tell");

        // Refused again within the new period, then the node stops before it ends.
        await RefuseAsync(handler);
        Assert.That(Lines(logs), Has.Count.EqualTo(2));
        handler.Dispose();
        Assert.That(Lines(logs), Has.Count.EqualTo(3));
        Assert.That(Lines(logs)[2], Does.Contain("1 more requests refused"));
    }

    [Test]
    public async Task AnotherFailure_IsNotHandled_AndNotCounted()
    {
        var logs = new LogCapture();
        var handler = new DatabaseUnavailableHandler(LoggerFor(logs), new TestClock());
        var http = new DefaultHttpContext();

        Assert.That(await handler.TryHandleAsync(http, new InvalidOperationException("a bug"), CancellationToken.None), Is.False);
        Assert.That(logs.Entries, Is.Empty);
    }

    private static async Task<int> RefuseAsync(DatabaseUnavailableHandler handler)
    {
        var http = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        var handled = await handler.TryHandleAsync(http, new TimeoutException("no pg_hba.conf entry for host"), CancellationToken.None);
        Assert.That(handled, Is.True);
        Assert.That(http.Response.Headers.RetryAfter.ToString(), Is.EqualTo("2"));
        return http.Response.StatusCode;
    }

    [Test]
    public async Task ThePeriodsTimer_DoesNotCarryTheContextOfTheRequestThatStartedIt()
    {
        var marks = new MarkCapture();
        var clock = new ManualTimers(DateTimeOffset.Parse("2026-11-30T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var handler = new DatabaseUnavailableHandler(new LoggerFactory([marks]).CreateLogger<DatabaseUnavailableHandler>(), clock);

        // The refused requests run in their own context (their trace, their log scopes): the timer one of them starts
        // must not capture it, nor keep it alive, nor tell the tail as if it were that request's.
        Mark.Value = "the refused request";
        try
        {
            await RefuseAsync(handler);
            await RefuseAsync(handler);
        }
        finally
        {
            Mark.Value = null;
        }
        Assert.That(marks.Seen, Is.EqualTo(new[] { "the refused request" }), "the first line is the request's own");

        clock.Now += DatabaseUnavailableHandler.ReportEvery;
        clock.Timers.Single().Fire();

        Assert.That(marks.Seen, Has.Count.EqualTo(2), "the tail is told");
        Assert.That(marks.Seen[1], Is.Null, "the tail is told outside the request's context");
    }

    private static readonly AsyncLocal<string?> Mark = new();

    /// <summary>Records, for each line logged, the <see cref="Mark"/> of the context it was logged in.</summary>
    private sealed class MarkCapture : ILoggerProvider, ILogger
    {
        public List<string?> Seen { get; } = [];
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Seen.Add(Mark.Value);
        public void Dispose() { }
    }

    /// <summary>
    /// A clock the test sets, whose timers fire when the test says, in the execution context captured when each was
    /// made, as <see cref="TimeProvider.System"/>'s timers run (none when the maker suppressed its flow).
    /// </summary>
    private sealed class ManualTimers(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public List<Timer> Timers { get; } = [];

        public override DateTimeOffset GetUtcNow() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var context = ExecutionContext.Capture();
            var timer = new Timer(() =>
            {
                if (context is null) callback(state);
                else ExecutionContext.Run(context, s => callback(s), state);
            }, dueTime);
            Timers.Add(timer);
            return timer;
        }

        public sealed class Timer(Action fire, TimeSpan due) : ITimer
        {
            public TimeSpan Due { get; } = due;

            public bool Disposed { get; private set; }

            public void Fire()
            {
                if (!Disposed) fire();
            }

            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose() => Disposed = true;

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    private static ILogger<DatabaseUnavailableHandler> LoggerFor(LogCapture logs) =>
        new LoggerFactory([logs]).CreateLogger<DatabaseUnavailableHandler>();

    private static List<string> Lines(LogCapture logs) => [.. logs.Entries.Select(e => e.Message)];
}
