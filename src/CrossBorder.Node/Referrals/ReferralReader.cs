using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Keys;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Referrals;

/// <summary>Builds the referral representations the ministry API returns.</summary>
public sealed class ReferralReader(NodeDbContext db, NodeKeys keys, TimeProvider time)
{
    public static Side SideOf(Referral r) => r.Direction == Directions.Outgoing ? Side.Requesting : Side.Requested;

    /// <summary>
    /// The steps this node may take now: none while its own message awaits the peer's receipt or a deadline has
    /// lapsed unapplied, and no re-examination request once its window closed.
    /// </summary>
    public static IReadOnlyList<string> AllowedSteps(Referral r, DateTimeOffset now)
    {
        if (r.AwaitsOwnReceipt || DeadlineRules.Lapse(r.Status, LegalClocks.Of(r), now) is not null)
            return [];
        var allowed = Lifecycle.Allowed(r.Status, SideOf(r));
        return r.ReexaminationRequestDueAt is { } window && now > window
            ? allowed.Where(s => s != Lifecycle.ReexaminationRequest).ToList()
            : allowed;
    }

    /// <summary>
    /// The referral with its personal data; <see cref="ReferralRead.Missing"/> when this node holds no such case;
    /// <see cref="ReferralRead.ErasedAt"/> set (and no view) when its personal data was erased.
    /// </summary>
    public async Task<ReferralRead> FindAsync(Guid id, CancellationToken ct)
    {
        // One snapshot for the referral, its delivery and its history: read separately, a receipt committed in
        // between would show "delivered" beside the status from before it (regression: PeerDown test flake).
        await using var snapshot = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct)
            : null;
        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (referral is null)
            return ReferralRead.Missing;
        if (referral.ErasedAt is { } erasedAt)
            return new ReferralRead(null, erasedAt);
        var delivery = await LatestDeliveriesAsync([id], ct);
        var history = await db.Steps.AsNoTracking().Where(s => s.ReferralId == id).OrderBy(s => s.Position == null).ThenBy(s => s.Position).ThenBy(s => s.Id)
            .Select(s => new StepView(s.Step, s.Outcome, s.TakenBy, s.FromStatus, s.ToStatus, s.At, s.MessageId, s.Conflict, s.State,
                s.TakenAt, s.LegalAt, s.InTime))
            .ToListAsync(ct);
        var now = time.GetUtcNow();
        return new ReferralRead(new ReferralView(Summarize(referral, delivery.GetValueOrDefault(id)))
        {
            ApplicationLodgedOn = referral.ApplicationLodgedOn,
            ReceivedAt = referral.ReceivedAt,
            AllowedSteps = AllowedSteps(referral, now),
            History = history,
            ETag = referral.ETag,
            Referral = ReferralData.Open(keys, referral),
        }, null);
    }

    /// <summary>The metadata a write answers with, from the entity as the write left it (no second read).</summary>
    public ReferralState State(Referral r, DeliveryView? delivery) => new(Summarize(r, delivery))
    {
        ReceivedAt = r.ReceivedAt,
        AllowedSteps = AllowedSteps(r, time.GetUtcNow()),
        ETag = r.ETag,
        Links = Links(r.Id),
    };

    /// <summary>The metadata of a stored referral (an idempotent replay), or null.</summary>
    public async Task<ReferralState?> FindStateAsync(Guid id, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        return referral is null ? null : State(referral, (await LatestDeliveriesAsync([id], ct)).GetValueOrDefault(id));
    }

    public static ReferralLinks Links(Guid id) => new($"/api/v1/referrals/{id}", $"/api/v1/referrals/{id}/messages");

    public static DeliveryView Queued(ExchangeMessage m) =>
        new(m.Id, m.Type, MessageStates.Queued, m.Attempts, m.LastAttemptAt, m.NextAttemptAt, m.LastError, m.ReceivedAt);

    public ReferralSummary Summarize(Referral r, DeliveryView? delivery) => new()
    {
        Id = r.Id,
        Reference = r.Reference,
        CounterpartReference = r.CounterpartReference,
        Direction = r.Direction,
        Status = r.Status,
        LegalBasis = r.LegalBasis,
        RequestingState = r.RequestingState,
        RequestedState = r.RequestedState,
        Urgent = r.Urgent,
        CreatedAt = r.CreatedAt,
        UpdatedAt = r.UpdatedAt,
        Deadlines = DeadlinesView(r, time.GetUtcNow()),
        Delivery = delivery,
        HasConflict = r.HasConflict,
    };

    public static Deadlines DeadlinesView(Referral r, DateTimeOffset now) =>
        new(r.ReplyDueAt, r.InformationDueAt, r.ReexaminationRequestDueAt, r.ReexaminationReplyDueAt, r.TransferDueAt, r.NextDueAt,
            r.NextDueAt is { } due && due <= now);

    /// <summary>The latest outgoing message of each referral, as a delivery state.</summary>
    public async Task<Dictionary<Guid, DeliveryView>> LatestDeliveriesAsync(IReadOnlyCollection<Guid> referralIds, CancellationToken ct)
    {
        var latest = await db.Messages.AsNoTracking()
            .Where(m => referralIds.Contains(m.ReferralId) && m.Direction == Directions.Outgoing)
            .GroupBy(m => m.ReferralId)
            .Select(g => g.OrderByDescending(m => m.Seq).First())
            .ToListAsync(ct);
        return latest.ToDictionary(m => m.ReferralId, m => new DeliveryView(m.Id, m.Type,
            m.State == MessageStates.Queued && m.LastError is not null ? "retrying" : m.State,
            m.Attempts, m.LastAttemptAt, m.NextAttemptAt, m.LastError, m.ReceivedAt));
    }
}

/// <summary>What a read of one case found: its view, or when it was erased, or (both null) nothing.</summary>
public sealed record ReferralRead(ReferralView? View, DateTimeOffset? ErasedAt)
{
    public static readonly ReferralRead Missing = new(null, null);
}
