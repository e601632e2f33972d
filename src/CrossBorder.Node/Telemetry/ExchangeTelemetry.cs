using System.Collections.Concurrent;
using System.Diagnostics;
using CrossBorder.Node.Data;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// Traces and counts the outbox's deliveries. Each delivery attempt is a span of its own (the dispatcher runs in
/// the background, so the peer call would otherwise have no parent) and the root of one trace across both nodes:
/// this span, the HTTP call, the peer's server span and its database work. It links to the request that queued the
/// message when this replica still knows it: the queuing request's span context is kept in memory, bounded, from
/// <see cref="Queued"/> until the message is delivered or dead-lettered. A message delivered by another replica, or
/// after a restart, has no link (storing the <c>traceparent</c> with the message would need a column and a migration).
/// </summary>
public sealed class ExchangeTelemetry(NodeMetrics metrics)
{
    private const int MaxOrigins = 10_000;
    private readonly ConcurrentDictionary<Guid, ActivityContext> _origins = new();
    private readonly ConcurrentQueue<Guid> _order = new();

    /// <summary>A message was queued inside the current request: remember the request's span for the delivery's link.</summary>
    public void Queued(ExchangeMessage message)
    {
        if (Activity.Current is not { Recorded: true } current) return;
        _origins[message.Id] = current.Context;
        _order.Enqueue(message.Id);
        while (_order.Count > MaxOrigins && _order.TryDequeue(out var oldest))
            _origins.TryRemove(oldest, out _);
    }

    /// <summary>Starts the span of one delivery attempt, a new trace's root, linked to the queuing request when known.</summary>
    public Activity? StartDelivery(ExchangeMessage message, int attempt)
    {
        Activity.Current = null; // a new trace: whatever ran before on this flow is not its parent
        ActivityLink[]? links = _origins.TryGetValue(message.Id, out var origin) ? [new ActivityLink(origin)] : null;
        return NodeActivities.Source.StartActivity($"deliver {message.Type}", ActivityKind.Producer, default(ActivityContext),
                links: links)?
            .SetTag("crossborder.message.id", message.Id.ToString())
            .SetTag("crossborder.message.type", message.Type)
            .SetTag("crossborder.referral.id", message.ReferralId.ToString())
            .SetTag("crossborder.peer", message.ToCountry)
            .SetTag("crossborder.delivery.attempt", attempt);
    }

    /// <summary>The peer's receipt is stored.</summary>
    public void Delivered(ExchangeMessage message)
    {
        metrics.Delivered(message.SentAt);
        Activity.Current?.SetTag("crossborder.delivery.outcome", "delivered");
        _origins.TryRemove(message.Id, out _);
    }

    /// <summary>An attempt failed: retried later, or dead-lettered.</summary>
    public void NotDelivered(ExchangeMessage message, bool rateLimited, bool deadLetter)
    {
        metrics.DeliveryFailed(rateLimited);
        var outcome = deadLetter ? "dead_letter" : rateLimited ? "rate_limited" : "failed";
        Activity.Current?.SetTag("crossborder.delivery.outcome", outcome).SetStatus(ActivityStatusCode.Error, outcome);
        if (deadLetter) _origins.TryRemove(message.Id, out _);
    }
}
