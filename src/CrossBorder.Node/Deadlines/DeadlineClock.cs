using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Deadlines;

/// <summary>
/// Applies what lapsed deadlines decide by rule (tacit acceptance, final refusal, transfer expiry) and publishes
/// the information-answer reminder. Both nodes run it on their own copy with the same rule and the same signed
/// times, so they agree without a message. It writes a referral only when its status changes: a reminder is a
/// feed event and a reminder row, never a version bump. It walks due rows by a cursor, so a backlog of any size
/// is worked off in one pass; rows are locked with <c>FOR UPDATE SKIP LOCKED</c>, so replicas share the work and
/// never apply a lapse twice (a row another replica holds is picked up on the next pass). A case whose own step
/// awaits the peer's receipt is left alone: that receipt may answer the deadline (docs/agreement.md).
/// </summary>
public sealed class DeadlineClock(IServiceScopeFactory scopes, IOptions<DeadlineOptions> options, TimeProvider time,
    ILogger<DeadlineClock> log, Telemetry.NodeMetrics metrics) : NodeWorker(log)
{
    public const int BatchSize = 50;

    protected override string Name => "Deadline clock";

    protected override Task RunAsync(CancellationToken ct) => EveryAsync(options.Value.ClockInterval, TickAsync, ct);

    /// <summary>One pass: every lapse and reminder due now, a batch per transaction.</summary>
    public async Task<int> TickAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var applied = await WalkLapsesAsync(now, ct);
        metrics.DeadlinesLapsed(applied);
        var reminded = await WalkRemindersAsync(now, ct);
        if (applied + reminded > 0)
            log.LogInformation("Deadline clock applied {Lapses} lapse(s) and sent {Reminders} reminder(s)", applied, reminded);
        return applied;
    }

    private Task<int> WalkLapsesAsync(DateTimeOffset now, CancellationToken ct) => WalkAsync(
        (db, afterAt, afterId) => db.Referrals.FromSql($"""
            SELECT * FROM referrals
            WHERE lapse_due_at < {now} AND pending_message_id IS NULL
              AND (lapse_due_at, id) > ({afterAt}, {afterId})
            ORDER BY lapse_due_at, id LIMIT {BatchSize}
            FOR UPDATE SKIP LOCKED
            """),
        // The cursor is where this batch ended as read: applying a lapse moves the row's own due time.
        referral => referral.LapseDueAt!.Value,
        (_, lifecycle, referral) =>
        {
            // A case may lapse twice in one pass (tacit acceptance, then an expired transfer).
            if (!lifecycle.ApplyDueLapses(referral)) return false;
            referral.Changed(now);
            return true;
        }, ct);

    private Task<int> WalkRemindersAsync(DateTimeOffset now, CancellationToken ct) => WalkAsync(
        // Locked (not written) so two replicas never send one reminder twice; the reminder row's key makes sure of it.
        (db, afterAt, afterId) => db.Referrals.FromSql($"""
            SELECT * FROM referrals r
            WHERE r.status = {ReferralStatus.InformationRequested} AND r.information_due_at < {now}
              AND (r.information_due_at, r.id) > ({afterAt}, {afterId})
              AND NOT EXISTS (SELECT 1 FROM deadline_reminders x
                              WHERE x.referral_id = r.id AND x.deadline = 'informationAnswer' AND x.due_at = r.information_due_at)
            ORDER BY r.information_due_at, r.id LIMIT {BatchSize}
            FOR UPDATE SKIP LOCKED
            """).AsNoTracking(),
        referral => referral.InformationDueAt!.Value,
        (db, lifecycle, referral) =>
        {
            db.Reminders.Add(new DeadlineReminder
            {
                ReferralId = referral.Id, Deadline = "informationAnswer", DueAt = referral.InformationDueAt!.Value, SentAt = now,
            });
            lifecycle.RemindInformationAnswer(referral);
            return true;
        }, ct);

    /// <summary>
    /// Walks the due rows <paramref name="due"/> selects after a (due time, id) cursor, a batch per transaction, and
    /// counts those <paramref name="act"/> changed.
    /// </summary>
    private async Task<int> WalkAsync(Func<NodeDbContext, DateTimeOffset, Guid, IQueryable<Referral>> due,
        Func<Referral, DateTimeOffset> dueAt, Func<NodeDbContext, IDeadlineActions, Referral, bool> act, CancellationToken ct)
    {
        var acted = 0;
        var (afterAt, afterId) = (DateTimeOffset.MinValue, Guid.Empty);
        while (!Stopping(ct)) // a stopping node ends between batches
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
            var lifecycle = scope.ServiceProvider.GetRequiredService<IDeadlineActions>();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var batch = await due(db, afterAt, afterId).ToListAsync(ct);
            if (batch.Count == 0)
                break;
            (afterAt, afterId) = (dueAt(batch[^1]), batch[^1].Id);
            foreach (var referral in batch)
                if (act(db, lifecycle, referral))
                    acted++;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            if (batch.Count < BatchSize) break;
        }
        return acted;
    }
}
