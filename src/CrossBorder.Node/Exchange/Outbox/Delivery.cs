using System.Net;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// Sends one claimed message and records what came of it: the peer's receipt, a retry at a time the
/// database clock sets, or a dead letter. Failures are isolated to the message: a peer that is down or busy
/// is retried without limit (capped back-off, and at once when the peer answers again); a message that keeps
/// failing for a reason of its own (a receipt that does not verify, a bug) is dead-lettered after
/// <see cref="ExchangeOptions.PoisonAttempts"/> attempts, with its reason.
/// </summary>
public sealed class Delivery(SentMessages sent, PeerClient client, PeerHealth health, IOptions<ExchangeOptions> options,
    IOptions<NodeOptions> node, ILogger<Delivery> log, Telemetry.ExchangeTelemetry telemetry, IEnumerable<IMessageContent> contents)
{
    /// <summary>
    /// What the statements of a send take: <c>ct</c> (the dispatcher's, cancelled at a stop's drain end) ends the calls to
    /// the peer, never a statement mid-flight (Npgsql's cancel request and inline socket completions: Workers/NodeWorker).
    /// Each statement is short; one left running when the process exits is rolled back with its connection.
    /// </summary>
    private static readonly CancellationToken NoCancel = CancellationToken.None;

    public async Task DeliverAsync(Claim claim, CancellationToken ct)
    {
        var claimed = claim.Loaded ?? await sent.LoadClaimedAsync(claim, NoCancel);
        if (claimed is null)
            return; // delivered or re-claimed meanwhile: this claim is stale
        var message = claimed.Message;
        using var activity = telemetry.StartDelivery(message, claim.Attempt);
        var circuit = health.CircuitGeneration(message.ToCountry);
        var failure = await SendAsync(claimed, claim, ct);
        if (failure is null)
        {
            telemetry.Delivered(message);
            log.LogInformation("Message {MessageId} ({Type}) delivered to {Peer}", message.Id, message.Type, message.ToCountry);
            if (health.Recovered(message.ToCountry))
                await sent.WakeBacklogAsync(message.ToCountry, NoCancel); // the peer is back: drain now, not at each row's back-off
            return;
        }

        var deadLetter = failure.Kind == FailureKind.Refused
            || (failure.Kind == FailureKind.Poison && claim.Attempt >= options.Value.PoisonAttempts);
        telemetry.NotDelivered(message, rateLimited: failure.Kind == FailureKind.Busy, deadLetter);
        if (failure.Kind == FailureKind.PeerUnavailable)
            health.Failed(message.ToCountry);
        else if (failure.Kind is FailureKind.Busy or FailureKind.CaseWaiting or FailureKind.Refused && health.Reachable(message.ToCountry))
            await sent.WakeBacklogAsync(message.ToCountry, NoCancel); // it answered: it is back, though this message did not get through
        // Claim nothing for this peer meanwhile: the open circuit's remaining break, or a 429's Retry-After.
        if (failure.HeldByCircuit && failure.NotBefore is { } hold)
            health.Hold(message.ToCountry, hold, circuit);
        else if (failure.Kind == FailureKind.Busy && failure.NotBefore is { } pause)
            health.Pause(message.ToCountry, pause);
        if (deadLetter)
            log.LogError("Message {MessageId} to {Peer} dead-lettered: {Error}", message.Id, message.ToCountry, failure.Error);
        else if (failure.HeldByCircuit)
            // The circuit's opening is logged once, with its cause (Polly, at Error); not again for each message it holds:
            // every replica would log every message it claims, at every break, for as long as the peer is down.
            log.LogDebug("Message {MessageId} for {Peer} waits (attempt {Attempt}): {Error}", message.Id, message.ToCountry,
                claim.Attempt, failure.Error);
        else if (failure.Kind == FailureKind.CaseWaiting)
            // The agreement's ordering, not a fault: the peer takes this case's step once its own step's receipt is in
            // (docs/agreement.md). Crossing steps meet it every time; if the peer's step never gets through, the peer
            // logs that (its dead letter, at Error), and this message's last error keeps the code meanwhile.
            log.LogInformation("Message {MessageId} for {Peer} waits for the peer's own step of the case (attempt {Attempt}): {Error}",
                message.Id, message.ToCountry, claim.Attempt, failure.Error);
        else
            log.LogWarning("Message {MessageId} not delivered to {Peer} (attempt {Attempt}): {Error}", message.Id, message.ToCountry,
                claim.Attempt, failure.Error);
        await sent.RecordFailureAsync(claim, deadLetter, failure.Error, deadLetter ? null : RetryDelay(claim.Attempt, failure), NoCancel);
    }

    private async Task<Failure?> SendAsync(ClaimedMessage claimed, Claim claim, CancellationToken ct)
    {
        var to = claimed.Message.ToCountry;
        if (node.Value.Peers.FirstOrDefault(p => p.Country == to) is not { } peer)
            return new Failure(FailureKind.Poison, $"no peer configured for {to}");
        try
        {
            var outbound = sent.Open(claimed);
            // What the message names by digest goes first (an attachment's document): the peer checks it before its receipt.
            var response = await SendContentAsync(claimed, peer, ct) ?? await client.DeliverAsync(peer, outbound.Jws, ct);
            return (int)response.Status switch
            {
                200 or 201 => await sent.RecordReceiptAsync(outbound, claim, response.Body, NoCancel) is { } error
                    ? new Failure(FailureKind.Poison, error)
                    : null,
                429 => TooMany(response),
                408 or >= 500 => new Failure(FailureKind.PeerUnavailable, $"peer answered {(int)response.Status}"),
                _ => new Failure(FailureKind.Refused, $"peer refused with {(int)response.Status}{Cited(ProblemCode(response))}"),
            };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (BrokenCircuitException e)
        {
            return new Failure(FailureKind.PeerUnavailable, "circuit open after repeated failures", e.RetryAfter ?? options.Value.BreakDuration)
            {
                HeldByCircuit = true,
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException
                                      or PeerTokenException or Polly.Timeout.TimeoutRejectedException)
        {
            return new Failure(FailureKind.PeerUnavailable, Describe(e));
        }
        catch (Exception e) when (e is not OutOfMemoryException && !DatabaseUnavailableHandler.IsDatabaseUnavailable(e))
        {
            // Not the peer, not our database: something about this message (a ciphertext that does not open, a bug).
            return new Failure(FailureKind.Poison, $"internal error ({e.GetType().Name})");
        }
    }

    /// <summary>
    /// A 429 is never a sign the peer is down. A rate limit pauses every send to the peer for its Retry-After; the
    /// peer's "own step in flight" (<c>CB0111</c>: it waits for this case's receipt from us) concerns this case only,
    /// so only this message waits, and the peer's other cases go on.
    /// </summary>
    private static Failure TooMany(PeerResponse response)
    {
        var code = ProblemCode(response);
        var kind = code == Problems.OwnStepInFlight.Code ? FailureKind.CaseWaiting : FailureKind.Busy;
        return new Failure(kind, $"peer answered 429{Cited(code)}", response.RetryAfter ?? TimeSpan.FromSeconds(1));
    }

    private async Task<PeerResponse?> SendContentAsync(ClaimedMessage claimed, PeerOptions peer, CancellationToken ct)
    {
        foreach (var content in contents)
            if (await content.SendAsync(claimed.Message, claimed.DataKey, peer, ct) is { } refused)
                return refused;
        return null;
    }

    /// <summary>Exponential with "equal jitter", capped; a peer's Retry-After or an open circuit sets the floor.</summary>
    private TimeSpan RetryDelay(int attempt, Failure failure)
    {
        // A rate limit's 429 says when to come back: its Retry-After, whatever this message's earlier failures were. The
        // back-off its attempts had earned in an outage (up to RetryMaxDelay) would otherwise hold it long after the peer is
        // back, after the rest of the backlog, which the peer's answer made due at once. Spread by up to a quarter of it, so
        // that the rows a pause released do not come back in one wave. (A 429 CB0111, the peer waiting for its own step of
        // the case, keeps the back-off: that wait can last until an operator re-drives a dead letter, docs/agreement.md.)
        if (failure.Kind is FailureKind.Busy && failure.NotBefore is { } retryAfter)
            return retryAfter + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Max(250, retryAfter.TotalMilliseconds / 4));
        var o = options.Value;
        var exponential = o.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, o.RetryMaxDelay.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() / 2));
        if (failure.NotBefore is { } floor && floor > delay)
            delay = floor + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250));
        return delay;
    }

    /// <summary>Only the peer's stable problem code is kept: problem text is not ours to store.</summary>
    private static string? ProblemCode(PeerResponse r)
    {
        if (r.MediaType != "application/problem+json") return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(r.Body);
            return doc.RootElement.TryGetProperty("code", out var code) && code.ValueKind == System.Text.Json.JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>The code as the message's last error cites it: " (CB0012)", or nothing.</summary>
    private static string Cited(string? code) => code is null ? "" : $" ({code})";

    private static string Describe(Exception e) => e switch
    {
        HttpRequestException { StatusCode: { } s } => $"HTTP error {(int)s}",
        HttpRequestException h => $"connection failed ({h.HttpRequestError})",
        PeerTokenException { Status: HttpStatusCode.TooManyRequests } => "peer's token endpoint answered 429",
        PeerTokenException t => t.Message,
        _ => "timed out",
    };

    private enum FailureKind
    {
        /// <summary>Down, failing or timing out: retried without limit.</summary>
        PeerUnavailable,

        /// <summary>429: retried after the peer's Retry-After; not a sign the peer is down.</summary>
        Busy,

        /// <summary>429 <c>CB0111</c>: the peer waits for its own step of this case; this message alone retried after Retry-After.</summary>
        CaseWaiting,

        /// <summary>A permanent 4xx: dead-lettered at once.</summary>
        Refused,

        /// <summary>Something about this message itself: dead-lettered after bounded attempts.</summary>
        Poison,
    }

    private sealed record Failure(FailureKind Kind, string Error, TimeSpan? NotBefore = null)
    {
        /// <summary>Ended on the open circuit (open before it, or opened by its own retries): the peer is down, not this message.</summary>
        public bool HeldByCircuit { get; init; }
    }
}
