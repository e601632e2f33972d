using System.Diagnostics.Metrics;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Peers;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The node's own instruments (docs/operations-telemetry.md). Instrument names and units are chosen so that the
/// Prometheus exporter, which turns dots into underscores, appends the unit (<c>s</c> → <c>_seconds</c>, <c>d</c> →
/// <c>_days</c>; annotations such as <c>{message}</c> add nothing) and <c>_total</c> to counters, exposes exactly the
/// names the dashboard reads, e.g. <c>crossborder.deliveries</c> → <c>crossborder_deliveries_total</c>. Labels carry
/// ids, codes and states only. Gauges report cached values (<see cref="DatabaseGauges"/>, <see cref="PeerHealth"/>,
/// <see cref="KeyExpiry"/>): a scrape never queries the database.
/// </summary>
public sealed class NodeMetrics
{
    public const string MeterName = "CrossBorder.Node";

    /// <summary>Delivery latency buckets in seconds: a healthy pair delivers in well under a second, an outage in hours.</summary>
    private static readonly double[] DeliveryBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400];

    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _receipts;
    private readonly Counter<long> _deadlineLapses;
    private readonly Counter<long> _rateLimitRejections;
    private readonly TimeProvider _time;

    public NodeMetrics(IMeterFactory meters, TimeProvider time, DatabaseGauges database, PeerHealth peers, KeyExpiry keys,
        IOptions<NodeOptions> node)
    {
        _time = time;
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("crossborder.deliveries", null,
            "Delivery attempts of outgoing messages by outcome: delivered (receipt stored), failed, rate_limited (the peer's 429).");
        _deliveryDuration = meter.CreateHistogram("crossborder.delivery.duration", "s",
            "Time from queueing a message to storing the peer's receipt.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DeliveryBuckets });
        _receipts = meter.CreateCounter<long>("crossborder.receipts", null,
            "Signed receipts: sent (for messages this node received, duplicates included) and received (for its own messages).");
        _deadlineLapses = meter.CreateCounter<long>("crossborder.deadline_lapses", null,
            "Legal deadlines that lapsed and were applied by rule (tacit acceptance, final refusal, expired transfer).");
        _rateLimitRejections = meter.CreateCounter<long>("crossborder.rate_limit.rejections", null,
            "Requests refused with 429 by policy (client, peer), or with 503 when writes are shed at capacity (writes).");

        meter.CreateObservableGauge("crossborder.messages", () => database.Latest is { } s
            ? s.Messages.Select(m => new Measurement<long>(m.Value, Tag("direction", m.Key.Direction), Tag("state", m.Key.State)))
            : [], "{message}", "Stored exchange messages by direction and delivery state.");
        meter.CreateObservableGauge("crossborder.outbox.oldest_pending_age", () => database.Latest is { } s
            ? [new Measurement<double>(s.OldestPendingSentAt is { } at ? AgeSeconds(at) : 0)]
            : Array.Empty<Measurement<double>>(), "s", "Age of the oldest outgoing message not yet delivered (0 when none waits).");
        meter.CreateObservableGauge("crossborder.dead_letters", () => database.Latest is { } s
            ? [new Measurement<long>(s.DeadLetters)]
            : Array.Empty<Measurement<long>>(), "{message}", "Outgoing messages the peer refused for good; an operator re-drives them.");
        meter.CreateObservableGauge("crossborder.audit.pending_entries", () => database.Latest is { } s
            ? [new Measurement<long>(s.AuditPending)]
            : Array.Empty<Measurement<long>>(), "{entry}", "Audit entries committed but not yet sequenced into the log.");
        meter.CreateObservableGauge("crossborder.audit.checkpoint_age", () => database.Latest is { LastCheckpointAt: { } at }
            ? [new Measurement<double>(AgeSeconds(at))]
            : Array.Empty<Measurement<double>>(), "s", "Age of the latest signed checkpoint of this node's audit log (it grows while the log is idle).");
        meter.CreateObservableGauge("crossborder.peer.cosignature_age", () => database.Latest is { } s
            ? s.LastCosignatureAt.Where(c => c.Value is not null).Select(c => new Measurement<double>(AgeSeconds(c.Value!.Value), Tag("peer", c.Key)))
            : [], "s", "Age of the peer's latest cosignature of this node's audit log.");
        meter.CreateObservableGauge("crossborder.peer.breaker_state", () => node.Value.Peers
            .Select(p => new Measurement<int>(peers.BreakerState(p.Country), Tag("peer", p.Country))), null,
            "What this replica's outbox knows of each peer: 0 closed, 1 half-open (failing, probed), 2 open (paused).");
        meter.CreateObservableGauge("crossborder.key.expiry", () => keys.Keys()
            .Select(k => new Measurement<double>(keys.DaysLeft(k), Tag("kid", k.Kid), Tag("use", k.Use))), "d",
            "Days until a signing key's NotAfter (no series for a key without one).");
    }

    /// <summary>
    /// Records zero for every counter's known label set, so each series exists (and <c>rate()</c> has a start) before
    /// its first event. Called once the meter provider listens (<see cref="MetricsSampler"/>).
    /// </summary>
    public void StartSeries()
    {
        foreach (var outcome in new[] { "delivered", "failed", "rate_limited" })
            _deliveries.Add(0, Tag("outcome", outcome));
        foreach (var direction in new[] { "sent", "received" })
            _receipts.Add(0, Tag("direction", direction));
        _deadlineLapses.Add(0);
        foreach (var policy in RateLimitPolicies)
            _rateLimitRejections.Add(0, Tag("policy", policy));
    }

    /// <summary>A message's receipt is stored: one delivery, one receipt received, its latency since it was queued.</summary>
    public void Delivered(DateTimeOffset queuedAt)
    {
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
        _receipts.Add(1, new KeyValuePair<string, object?>("direction", "received"));
        _deliveryDuration.Record(Math.Max(0, AgeSeconds(queuedAt)));
    }

    /// <summary>An attempt that did not deliver: the peer's 429 (<paramref name="rateLimited"/>) or any other failure.</summary>
    public void DeliveryFailed(bool rateLimited) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", rateLimited ? "rate_limited" : "failed"));

    /// <summary>This node answered a peer's message with a signed receipt.</summary>
    public void ReceiptSent() => _receipts.Add(1, new KeyValuePair<string, object?>("direction", "sent"));

    public void DeadlinesLapsed(int count)
    {
        if (count > 0) _deadlineLapses.Add(count);
    }

    /// <summary>The rate limiter's policies (<c>Http/RateLimiting</c>: a client's bucket, the peer's), counted from zero.</summary>
    public static readonly string[] RateLimitPolicies = ["client", "peer"];

    /// <summary>A 429 from the rate limiter; <paramref name="policyHeader"/> is the <c>RateLimit-Policy</c> value it announces.</summary>
    public void RateLimitRejected(string policyHeader) =>
        _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("policy", PolicyName(policyHeader)));

    /// <summary>A ministry write shed with 503 because the node is at capacity (<see cref="Http.WriteLimiter"/>).</summary>
    public void WriteShed() => _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("policy", "writes"));

    /// <summary>The policy's name: the quoted first item of <c>"client";q=200;w=4</c> (draft-ietf-httpapi-ratelimit-headers).</summary>
    public static string PolicyName(string policyHeader) =>
        policyHeader.Split(';', 2)[0].Trim().Trim('"') is { Length: > 0 } name ? name : "unknown";

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private double AgeSeconds(DateTimeOffset at) => Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds);
}
