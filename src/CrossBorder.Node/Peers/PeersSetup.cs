using CrossBorder.Node.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;

namespace CrossBorder.Node.Peers;

public static class PeersSetup
{
    /// <summary>
    /// The peer client (token from the peer's token server, retry, circuit breaker, timeout) and what this replica
    /// knows of the peer. <paramref name="breakDuration"/> and <paramref name="attemptTimeout"/> come from the exchange's options.
    /// </summary>
    public static IServiceCollection AddPeers(this IServiceCollection services, TimeSpan breakDuration, TimeSpan attemptTimeout)
    {
        services.AddSingleton<PeerTokenCache>();
        services.AddSingleton<PeerHealth>();
        services.AddHttpClient<PeerClient>().AddResilienceHandler("peer", (b, context) =>
        {
            // One pipeline per peer (SelectPipelineBy, below), so one circuit per peer: one peer's outage pauses no other.
            var peer = context.InstanceName;
            var health = context.ServiceProvider.GetRequiredService<PeerHealth>();
            var signals = context.ServiceProvider.GetRequiredService<Workers.WorkSignals>();
            b.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = RetryDelay,
                // A single-use request (a token request: its assertion's jti is spent once it reaches the peer) is not
                // sent again as it is; its sender retries with a new one (PeerClient).
                ShouldHandle = a => a.Context.GetRequestMessage() is { } request && PeerClient.IsSingleUse(request)
                    ? ValueTask.FromResult(false)
                    : ValueTask.FromResult(PeerFailed(a.Outcome)),
            });
            b.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                SamplingDuration = TimeSpan.FromSeconds(30),
                MinimumThroughput = 5,
                FailureRatio = 0.5,
                BreakDuration = breakDuration,
                ShouldHandle = a => ValueTask.FromResult(PeerFailed(a.Outcome)),
                // The half-open circuit lets one call through, whichever asks first: the audit witness's cosignature as
                // well as a delivery. When that call closes it, the outbox probes now instead of at its next turn.
                OnClosed = _ =>
                {
                    health.CircuitClosed(peer);
                    signals.Outbox.Notify();
                    return ValueTask.CompletedTask;
                },
            });
            b.AddTimeout(attemptTimeout);
        }).SelectPipelineBy(provider =>
        {
            var peers = provider.GetRequiredService<IOptions<NodeOptions>>().Value.Peers;
            return request => PeerOf(peers, request.RequestUri);
        });
        // These options are every DI-built pipeline's; only the peer pipeline's lines are changed.
        services.Configure<TelemetryOptions>(o => o.SeverityProvider = a =>
            a.Source.PipelineName == PipelineName ? Severity(a.Event) : a.Event.Severity);
        return services;
    }

    /// <summary>
    /// The country of the peer a request goes to (every call to a peer is under its configured URL: token, messages,
    /// checkpoints, attachments); the request's authority for anything else, so it shares no peer's circuit.
    /// </summary>
    public static string PeerOf(IEnumerable<PeerOptions> peers, Uri? uri) =>
        uri is null ? "" : peers.Where(p => p.Url is { } url && uri.AbsoluteUri.StartsWith(url.AbsoluteUri, StringComparison.OrdinalIgnoreCase))
            .MaxBy(p => p.Url!.AbsoluteUri.Length)?.Country ?? uri.GetLeftPart(UriPartial.Authority);

    /// <summary>
    /// A failure of the peer: what the pipeline retries and its circuit counts (and <see cref="PeerClient"/> its token
    /// requests' retries). A peer's 429 is not one: the outbox retries it after its Retry-After, and it neither retries
    /// here nor counts toward opening the circuit.
    /// </summary>
    public static bool PeerFailed(Outcome<HttpResponseMessage> o) =>
        o.Result?.StatusCode != System.Net.HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(o);

    /// <summary>How often, and from what first delay (doubling, with jitter), a failed peer call is tried again: by the
    /// pipeline, and by <see cref="PeerClient"/> for the token requests the pipeline must not resend.</summary>
    public const int RetryAttempts = 2;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The pipeline's name in Polly's telemetry: the typed client's name, then the handler's.</summary>
    public const string PipelineName = nameof(PeerClient) + "-peer";

    /// <summary>
    /// What Polly logs of a peer call. Each delivery's outcome is the outbox's to log (a failed attempt at Warning, with
    /// its cause, once per message), and the circuit's opening is Polly's (at Error, once per break, with its cause). Polly's
    /// line per attempt and per retry would repeat the former four times over for as long as the peer is down (~900 lines
    /// per replica in the fault campaign's 30 s outage), so they are Debug; the circuit half-opening and closing are news,
    /// not faults.
    /// </summary>
    public static ResilienceEventSeverity Severity(ResilienceEvent e) => e.EventName switch
    {
        "ExecutionAttempt" or "OnRetry" or "OnTimeout" => ResilienceEventSeverity.Debug,
        "OnCircuitHalfOpened" or "OnCircuitClosed" => ResilienceEventSeverity.Information,
        _ => e.Severity,
    };
}
