using Microsoft.AspNetCore.Http.Features;

namespace CrossBorder.Node.Http;

/// <summary>
/// A request's unit of work, once started, runs to its end whether or not the caller is still there: the handlers'
/// <see cref="HttpContext.RequestAborted"/> (the <see cref="CancellationToken"/> each endpoint is given) never fires.
/// <para>
/// A write is one short transaction; cancelled, it would roll back, run to its end it costs milliseconds and its outcome
/// is kept (a retry with the same Idempotency-Key gets it). What streams to the caller (a document's download) stops
/// between its chunks on <see cref="CallerGone"/>. Cancelling it mid-statement is what must not happen: Npgsql
/// then opens a connection and sends PostgreSQL a cancel request with synchronous I/O, inside the token's callback, and
/// the socket event thread that reads the statement's answer waits for that callback to end. With socket completions
/// inline (Hosting/SocketCompletions) the cancel request's own socket may need that very thread: both waited until the
/// connection timeout (15 s), and every other socket of that thread (requests, pooled connections) with them. Seen in
/// stacks of the node's tests run inline (tests/inline-sockets.runsettings), there at workers' stops (Workers/NodeWorker);
/// a request whose caller left mid-statement meets the same callback (CreateReferralTests).
/// </para>
/// <para>
/// The caller's departure is still known where it saves work and touches no database: <see cref="CallerGone"/> (a write
/// waiting for a slot gives up when its caller left).
/// </para>
/// </summary>
public static class UnitsRunToTheEnd
{
    public static WebApplication UseUnitsRunToTheEnd(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            if (http.Features.Get<IHttpRequestLifetimeFeature>() is { } lifetime and not Lifetime)
                http.Features.Set<IHttpRequestLifetimeFeature>(new Lifetime(lifetime));
            return next(http);
        });
        return app;
    }

    /// <summary>
    /// Inside the exception handler: a request that failed because its caller left (a write waiting for a slot, a
    /// download's write) ends as ASP.NET Core's handler ends one whose <see cref="HttpContext.RequestAborted"/> fired (which
    /// here never does): 499 if nothing was sent yet, and no error logged or answered.
    /// </summary>
    public static WebApplication UseDepartedCallersEndQuietly(this WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UnitsRunToTheEnd));
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && CallerGone(http).IsCancellationRequested)
            {
                // By type only (exception text may quote data): a fault of the node's that met a departure stays traceable.
                log.LogDebug("Request ended by its caller's departure ({Error})", e.GetType().Name);
                if (!http.Response.HasStarted)
                    http.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            }
        });
        return app;
    }

    /// <summary>Fires when the caller went away (the connection's own token).</summary>
    public static CancellationToken CallerGone(HttpContext http) =>
        http.Features.Get<IHttpRequestLifetimeFeature>() is Lifetime lifetime ? lifetime.Connection.RequestAborted : http.RequestAborted;

    private sealed class Lifetime(IHttpRequestLifetimeFeature connection) : IHttpRequestLifetimeFeature
    {
        public IHttpRequestLifetimeFeature Connection => connection;

        public CancellationToken RequestAborted
        {
            get => CancellationToken.None;
            set => throw new NotSupportedException("A request's statements are not cancelled mid-flight (Http/UnitsRunToTheEnd).");
        }

        public void Abort() => connection.Abort();
    }
}
