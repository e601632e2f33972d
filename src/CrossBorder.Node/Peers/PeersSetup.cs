using Microsoft.Extensions.Http.Resilience;
using Polly;

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
        services.AddHttpClient<PeerClient>().AddResilienceHandler("peer", b =>
        {
            // A peer's 429 is not a failure of the peer: the outbox retries it after its Retry-After, and it
            // neither retries here nor counts toward opening the circuit.
            static ValueTask<bool> PeerFailed(Outcome<HttpResponseMessage> o) => ValueTask.FromResult(
                o.Result?.StatusCode != System.Net.HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(o));
            b.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = a => PeerFailed(a.Outcome),
            });
            b.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                SamplingDuration = TimeSpan.FromSeconds(30),
                MinimumThroughput = 5,
                FailureRatio = 0.5,
                BreakDuration = breakDuration,
                ShouldHandle = a => PeerFailed(a.Outcome),
            });
            b.AddTimeout(attemptTimeout);
        });
        return services;
    }
}
