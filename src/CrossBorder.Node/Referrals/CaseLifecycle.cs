using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// Moves this node's copy of a case: status, history, feed and legal clocks. Every clock starts at the
/// time in a signed receipt, which both nodes hold, so both compute the same due dates without talking.
/// How both nodes apply steps, lapses and crossing steps in one order is docs/agreement.md.
/// </summary>
public sealed class CaseLifecycle(NodeDbContext db, LegalClocks clocks, TimeProvider time, AuditLog audit) : IDeadlineActions
{
    public const string Rule = "rule";

    /// <summary>
    /// Records an applied history entry that is not a ministry step (the submission, its receipt, a lapse by rule)
    /// and its status change: the history row, the feed events and the audit entry.
    /// </summary>
    public void Record(Referral referral, CaseEvent e)
    {
        var from = referral.Status;
        audit.StepTaken(e.Client ?? e.TakenBy, referral.Id, $"{e.Step}: {from} -> {e.ToStatus}", e.MessageId);
        db.AddRow(new ReferralStep
        {
            Id = Guid.CreateVersion7(),
            ReferralId = referral.Id,
            Step = e.Step,
            TakenBy = e.TakenBy,
            FromStatus = from,
            ToStatus = e.ToStatus,
            At = e.At,
            TakenAt = e.At,
            LegalAt = e.LegalAt,
            MessageId = e.MessageId,
            State = StepStates.Applied,
            Position = ++referral.LastPosition,
        });
        referral.Status = e.ToStatus;
        Publish(referral, e.FeedType, e.MessageId, e.Step, null);
        if (from != e.ToStatus && e.FeedType != FeedEventTypes.StatusChanged)
            Publish(referral, FeedEventTypes.StatusChanged, e.MessageId, e.Step, $"{from} -> {e.ToStatus}");
        Touch(referral);
    }

    /// <summary>
    /// On the requesting state's node, the time a step takes on its clock: now, or just after the case's latest
    /// such time, so two steps of one case never share one and their order is never a tie.
    /// </summary>
    public DateTimeOffset NextOrderTime(Referral referral)
    {
        var now = time.GetUtcNow().TruncateToMilliseconds();
        if (referral.Direction != Directions.Outgoing)
            return now;
        if (referral.LastOrderAt is { } last && last >= now)
            now = last.AddMilliseconds(1);
        referral.LastOrderAt = now;
        return now;
    }

    /// <summary>
    /// A ministry step taken here: stored as sent and awaiting the peer's receipt. The status does not move until
    /// that receipt decides (<see cref="ReceiptArrivedAsync"/>).
    /// </summary>
    public void TakePending(Referral referral, string step, string? outcome, ExchangeMessage message, string projected, string client)
    {
        audit.StepTaken(client, referral.Id, $"{step}: {referral.Status} -> {projected} (awaiting receipt)", message.Id);
        db.AddRow(new ReferralStep
        {
            Id = Guid.CreateVersion7(),
            ReferralId = referral.Id,
            Step = step,
            Outcome = outcome,
            TakenBy = message.FromCountry,
            FromStatus = referral.Status,
            ToStatus = projected,
            At = message.SentAt,
            TakenAt = message.SentAt,
            // The requesting node's own clock orders its steps; the requested node's step gets its order from the receipt.
            OrderAt = referral.Direction == Directions.Outgoing ? message.SentAt : null,
            MessageId = message.Id,
            State = StepStates.Pending,
        });
        referral.PendingMessageId = message.Id;
        Publish(referral, FeedEventTypes.StepTaken, message.Id, step, outcome);
        Touch(referral);
    }

    /// <summary>
    /// A step from the peer, received at <paramref name="receivedAt"/> (this node's clock, the receipt's time): held
    /// in order, then applied at once unless a step of this node awaits its receipt.
    /// </summary>
    public async Task ReceiveAsync(Referral referral, MessageEnvelope envelope, string step, string? outcome, DateTimeOffset receivedAt,
        CancellationToken ct)
    {
        db.AddRow(new ReferralStep
        {
            Id = Guid.CreateVersion7(),
            ReferralId = referral.Id,
            Step = step,
            Outcome = outcome,
            TakenBy = envelope.From,
            FromStatus = referral.Status,
            ToStatus = referral.Status,
            At = receivedAt,
            TakenAt = envelope.SentAt,
            LegalAt = receivedAt,
            // On the requesting node its receipt time orders it; on the requested node the requesting node's sentAt does.
            OrderAt = referral.Direction == Directions.Outgoing ? receivedAt : envelope.SentAt,
            MessageId = envelope.Id,
            State = StepStates.Held,
        });
        Publish(referral, FeedEventTypes.StepReceived, envelope.Id, step, outcome);
        await SettleAsync(referral, ct);
    }

    /// <summary>The peer's signed receipt for this node's pending step: its legal time is known, so it can be settled.</summary>
    public async Task ReceiptArrivedAsync(Referral referral, Guid messageId, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var row = await db.Steps.SingleOrDefaultAsync(s => s.MessageId == messageId && s.ReferralId == referral.Id, ct);
        if (row is null || row.State != StepStates.Pending)
            return;
        row.LegalAt = receivedAt;
        row.At = receivedAt;
        row.OrderAt ??= receivedAt; // the requested node's step: the requesting node's receipt time orders it
        row.State = StepStates.Held;
        if (referral.PendingMessageId == messageId)
            referral.PendingMessageId = null;
        await SettleAsync(referral, ct);
    }

    /// <summary>
    /// Applies every held step in the order of the requesting state's clock, once no step of this node awaits its
    /// receipt (until then the order is not known here). Before each step, the lapses it could not prevent.
    /// </summary>
    public async Task SettleAsync(Referral referral, CancellationToken ct)
    {
        if (referral.PendingMessageId is not null)
            return;
        // The whole history: whether a step met a lapse is read from it (whichever pass applied that lapse).
        await db.Steps.Where(s => s.ReferralId == referral.Id).LoadAsync(ct);
        var held = db.StepsOf(referral.Id).Where(s => s.State == StepStates.Held)
            .OrderBy(s => s.OrderAt).ThenBy(s => s.MessageId).ToList();
        foreach (var row in held)
        {
            Apply(referral, row);
            if (row.State == StepStates.Conflict && row.MessageId is { } id)
                await db.Messages.Where(m => m.Id == id && m.Direction == Directions.Incoming)
                    .ExecuteUpdateAsync(m => m.SetProperty(x => x.State, MessageStates.Conflict), ct);
        }
    }

    private void Apply(Referral referral, ReferralStep row)
    {
        var legalAt = row.LegalAt!.Value;
        // A lapse stands against a step received after it, and against a step its taker took after seeing it pass.
        var lapseBefore = row.TakenAt is { } taken && taken > legalAt ? taken : legalAt;
        while (ApplyLapse(referral, lapseBefore)) { }

        var accepted = row.Outcome == nameof(DecisionOutcome.ACCEPT);
        var next = Lifecycle.Next(referral.Status, row.Step, accepted);
        if (next is not null)
        {
            var due = DeadlineRules.AnsweredBy(row.Step, referral.Status, LegalClocks.Of(referral));
            row.InTime = due is null ? null : legalAt <= due;
            if (row.Step == Lifecycle.ReexaminationRequest && row.InTime == false)
                next = null; // the three-week window (docs/domain.md) is enforced by the receipt time, like any deadline
            row.State = next is null ? StepStates.Late : StepStates.Applied;
        }
        else if (LapsesMet(referral, lapseBefore) is { Count: > 0 } lapses)
        {
            // The lapses this step met, whether this pass or the clock applied them: the same history on both nodes.
            var due = DeadlineRules.AnsweredBy(row.Step, lapses[^1].FromStatus, LegalClocks.Of(referral));
            row.InTime = due is null ? null : legalAt <= due;
            row.State = StepStates.Late;
        }
        else
        {
            row.InTime = null;
            row.State = StepStates.Conflict;
        }
        row.FromStatus = referral.Status;
        row.ToStatus = next ?? referral.Status;
        row.Conflict = row.State == StepStates.Conflict;
        row.Position = ++referral.LastPosition;
        audit.StepTaken(row.TakenBy, referral.Id, $"{row.Step}: {row.FromStatus} -> {row.ToStatus} ({row.State})", row.MessageId);
        switch (row.State)
        {
            case StepStates.Applied:
                var from = referral.Status;
                referral.Status = next!;
                clocks.Start(referral, row.Step, next!, legalAt);
                if (from != next)
                    Publish(referral, FeedEventTypes.StatusChanged, row.MessageId, row.Step, $"{from} -> {next}");
                break;
            case StepStates.Conflict:
                referral.HasConflict = true;
                Publish(referral, FeedEventTypes.Conflict, row.MessageId, row.Step, $"not allowed from {referral.Status}");
                break;
            default:
                Publish(referral, FeedEventTypes.Late, row.MessageId, row.Step, $"received after the deadline; {referral.Status} stands");
                break;
        }
        Touch(referral);
    }

    /// <summary>The lapses at the end of the settled history dated before <paramref name="before"/>, latest first.</summary>
    private List<ReferralStep> LapsesMet(Referral referral, DateTimeOffset before) =>
        db.StepsOf(referral.Id).Where(s => s.Position is not null)
            .OrderByDescending(s => s.Position)
            .TakeWhile(s => s.TakenBy == Rule && s.At < before)
            .ToList();

    /// <summary>Applies every lapse due before now, unless a step of this node awaits its receipt (it may answer it).</summary>
    public bool ApplyDueLapses(Referral referral)
    {
        if (referral.PendingMessageId is not null)
            return false;
        var now = time.GetUtcNow();
        var any = false;
        while (ApplyLapse(referral, now)) any = true;
        return any;
    }

    /// <summary>Applies what a deadline strictly before <paramref name="before"/> decides by rule; dated at the deadline.</summary>
    private bool ApplyLapse(Referral referral, DateTimeOffset before)
    {
        if (DeadlineRules.Lapse(referral.Status, LegalClocks.Of(referral), before) is not { } lapse)
            return false;
        if (lapse.Status == ReferralStatus.TacitlyAccepted)
            clocks.StartTransfer(referral, lapse.At);
        Record(referral, new CaseEvent($"deadline:{lapse.Deadline}", Rule, lapse.Status, lapse.At, FeedEventTypes.DeadlinePassed)
        {
            LegalAt = lapse.At,
        });
        return true;
    }

    /// <summary>Adds a feed event to the transaction; the feed sequencer numbers it after commit.</summary>
    public void Publish(Referral referral, string type, Guid? messageId, string? step, string? detail)
    {
        db.WakeAfterCommit(Work.Feed);
        db.AddRow(new FeedEvent
        {
            Type = type,
            ReferralId = referral.Id,
            Reference = referral.Reference,
            Status = referral.Status,
            MessageId = messageId,
            Step = step,
            Detail = detail is { Length: > 200 } ? detail[..200] : detail,
            At = time.GetUtcNow(),
        });
    }

    private void Touch(Referral referral)
    {
        LegalClocks.Refresh(referral);
        referral.UpdatedAt = time.GetUtcNow();
        if (ReferralStatus.IsClosed(referral.Status))
            referral.ClosedAt ??= referral.UpdatedAt; // the retention period runs from here (Referrals/Retention)
    }

    /// <summary>The information-answer deadline passed: a reminder on the feed (the status does not change).</summary>
    public void RemindInformationAnswer(Referral referral) =>
        Publish(referral, FeedEventTypes.Reminder, null, Lifecycle.Information, "informationAnswer");
}
