using CrossBorder.Node.Data;
using CrossBorder.Node.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly.CircuitBreaker;

namespace CrossBorder.Node.Features.Exchange;

/// <summary>
/// Delivers the outbox. Claims due rows with <c>FOR UPDATE SKIP LOCKED</c> and a lease (so replicas
/// share the work and a crashed replica's rows come back after the lease), commits the claim, then
/// sends outside any transaction. Only the oldest undelivered message of each referral is claimable,
/// which keeps per-referral order while different referrals go in parallel.
/// </summary>
public sealed class OutboxDispatcher(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, OutboxSignal signal,
    IOptions<ExchangeOptions> options, IOptions<NodeOptions> node, TimeProvider time, ILogger<OutboxDispatcher> log) : BackgroundService
{
    private const string ClaimSql = """
        WITH due AS (
            SELECT m.id FROM messages m
            WHERE m.direction = 'outgoing' AND m.state = 'queued' AND m.next_attempt_at <= @now
              AND (m.lease_until IS NULL OR m.lease_until < @now)
              AND NOT EXISTS (SELECT 1 FROM messages p
                              WHERE p.referral_id = m.referral_id AND p.direction = 'outgoing'
                                AND p.seq < m.seq AND p.state <> 'delivered')
            ORDER BY m.next_attempt_at
            LIMIT @batch
            FOR UPDATE OF m SKIP LOCKED)
        UPDATE messages SET lease_until = @lease, attempts = messages.attempts + 1, last_attempt_at = @now
        FROM due WHERE messages.id = due.id
        RETURNING messages.id
        """;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var o = options.Value;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var claimed = await ClaimAsync(ct);
                await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                    async (id, token) => await DeliverAsync(id, token));
                if (claimed.Count == o.BatchSize)
                    continue; // more may be due right now
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                log.LogWarning("Outbox dispatcher cannot reach the database ({Error}); retrying", e.GetType().Name);
            }
            try { await signal.WaitAsync(o.PollInterval, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    public async Task<IReadOnlyList<Guid>> ClaimAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var cmd = dataSource.CreateCommand(ClaimSql);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("lease", now + options.Value.Lease);
        cmd.Parameters.AddWithValue("batch", options.Value.BatchSize);
        var ids = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetGuid(0));
        return ids;
    }

    private async Task DeliverAsync(Guid messageId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var receipts = scope.ServiceProvider.GetRequiredService<ReceiptRecorder>();
        var outbound = await receipts.LoadForSendingAsync(messageId, ct);
        if (outbound is null)
            return;
        var peer = node.Value.Peers.Single(p => p.Country == outbound.Message.ToCountry);

        Outcome outcome;
        try
        {
            var client = scope.ServiceProvider.GetRequiredService<PeerClient>();
            var response = await client.DeliverAsync(peer, outbound.Jws, ct);
            outcome = Classify(response);
            if (outcome.Kind == OutcomeKind.Delivered)
            {
                var error = await receipts.RecordReceiptAsync(outbound, response.Body, ct);
                if (error is null)
                {
                    log.LogInformation("Message {MessageId} ({Type}) delivered to {Peer}", messageId, outbound.Message.Type, peer.Country);
                    return;
                }
                outcome = new Outcome(OutcomeKind.Retry, error);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException
                                      or BrokenCircuitException or PeerTokenException or Polly.Timeout.TimeoutRejectedException)
        {
            outcome = new Outcome(OutcomeKind.Retry, Describe(e));
        }

        if (outcome.Kind == OutcomeKind.DeadLetter)
            log.LogError("Message {MessageId} refused by {Peer}: {Error}; dead-lettered", messageId, peer.Country, outcome.Error);
        else
            log.LogWarning("Message {MessageId} not delivered to {Peer} (attempt {Attempt}): {Error}",
                messageId, peer.Country, outbound.Message.Attempts, outcome.Error);
        await receipts.RecordFailureAsync(messageId, outcome.Kind == OutcomeKind.DeadLetter, outcome.Error,
            NextAttempt(outbound.Message.Attempts), ct);
    }

    private DateTimeOffset NextAttempt(int attempts)
    {
        var o = options.Value;
        var exponential = o.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = Math.Min(exponential, o.RetryMaxDelay.TotalMilliseconds);
        var jittered = capped * (0.5 + Random.Shared.NextDouble() / 2); // "equal jitter": spreads retries after an outage
        return time.GetUtcNow() + TimeSpan.FromMilliseconds(jittered);
    }

    private static Outcome Classify(PeerResponse r) => (int)r.Status switch
    {
        200 or 201 => new Outcome(OutcomeKind.Delivered, null),
        408 or 429 or >= 500 => new Outcome(OutcomeKind.Retry, $"peer answered {(int)r.Status}"),
        _ => new Outcome(OutcomeKind.DeadLetter, $"peer refused with {(int)r.Status}{ProblemCode(r)}"),
    };

    /// <summary>Only the peer's stable problem code is kept: problem text is not ours to store.</summary>
    private static string ProblemCode(PeerResponse r)
    {
        if (r.MediaType != "application/problem+json") return "";
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(r.Body);
            return doc.RootElement.TryGetProperty("code", out var code) ? $" ({code.GetString()})" : "";
        }
        catch (System.Text.Json.JsonException) { return ""; }
    }

    private static string Describe(Exception e) => e switch
    {
        HttpRequestException { StatusCode: { } s } => $"HTTP error {(int)s}",
        HttpRequestException h => $"connection failed ({h.HttpRequestError})",
        BrokenCircuitException => "circuit open after repeated failures",
        PeerTokenException t => t.Message,
        _ => "timed out",
    };

    private enum OutcomeKind { Delivered, Retry, DeadLetter }

    private sealed record Outcome(OutcomeKind Kind, string? Error);
}
