using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using CrossBorder.Node.Hosting.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// Moves this node's copy of a case: status, history, feed and legal clocks. Every clock starts at the
/// time in a signed receipt, which both nodes hold, so both compute the same due dates without talking.
/// </summary>
public sealed class CaseLifecycle(NodeDbContext db, IOptions<DeadlineOptions> options, TimeProvider time, Audit.AuditLog audit)
{
    public const string Rule = "rule";

    public static CaseDeadlines DeadlinesOf(Referral r) =>
        new(r.ReplyDueAt, r.InformationDueAt, r.ReexaminationRequestDueAt, r.ReexaminationReplyDueAt, r.TransferDueAt);

    /// <summary>
    /// Records a status change (or a refused step from the peer, with <c>conflict</c>). <c>client</c> is the
    /// ministry client that took the step here, for the audit log (default: the country).
    /// </summary>
    public void Transition(Referral referral, string step, string? outcome, string takenBy, string toStatus, DateTimeOffset at,
        Guid? messageId, bool conflict, string feedType, string? client = null)
    {
        var from = referral.Status;
        audit.StepTaken(client ?? takenBy, referral.Id, $"{step}: {from} -> {(conflict ? from + " (conflict)" : toStatus)}", messageId);
        db.Steps.Add(new ReferralStep
        {
            Id = Guid.CreateVersion7(),
            ReferralId = referral.Id,
            Step = step,
            Outcome = outcome,
            TakenBy = takenBy,
            FromStatus = from,
            ToStatus = conflict ? from : toStatus,
            At = at,
            MessageId = messageId,
            Conflict = conflict,
        });
        if (conflict)
        {
            referral.HasConflict = true;
            Publish(referral, FeedEventTypes.Conflict, messageId, step, $"not allowed from {from}");
        }
        else
        {
            referral.Status = toStatus;
            Publish(referral, feedType, messageId, step, outcome);
            if (from != toStatus && feedType != FeedEventTypes.StatusChanged)
                Publish(referral, FeedEventTypes.StatusChanged, messageId, step, $"{from} -> {toStatus}");
        }
        Touch(referral);
    }

    /// <summary>
    /// Starts the clock a message starts, from its receipt time. Called by the receiver when it signs the
    /// receipt and by the sender when it stores that receipt: the same instant on both sides.
    /// </summary>
    public async Task StartClocksAsync(Referral referral, string messageType, Guid messageId, DateTimeOffset receivedAt,
        CancellationToken ct)
    {
        var policy = options.Value.For(referral.LegalBasis);
        switch (messageType)
        {
            case MessageTypes.Submitted:
                referral.ReceivedAt = receivedAt;
                referral.ReplyDueAt = receivedAt.AddMonths(referral.Urgent ? policy.UrgentReplyMonths : policy.ReplyMonths);
                break;
            case MessageTypes.InformationRequested:
                referral.InformationDueAt = receivedAt.AddDays(policy.InformationAnswerDays);
                break;
            case MessageTypes.ReexaminationRequested:
                referral.ReexaminationReplyDueAt = receivedAt.AddDays(policy.ReexaminationReplyDays);
                break;
            case MessageTypes.Decided:
                var decided = await db.Steps.Where(s => s.MessageId == messageId && !s.Conflict).Select(s => s.ToStatus)
                    .FirstOrDefaultAsync(ct) ?? db.Steps.Local.FirstOrDefault(s => s.MessageId == messageId && !s.Conflict)?.ToStatus;
                if (decided == ReferralStatus.Accepted)
                    referral.TransferDueAt = receivedAt.AddMonths(policy.TransferMonths);
                else if (decided == ReferralStatus.Refused)
                    referral.ReexaminationRequestDueAt = receivedAt.AddDays(policy.ReexaminationRequestDays);
                break;
        }
        Touch(referral);
    }

    /// <summary>Applies what a lapsed deadline decides by rule; the change is dated at the deadline itself.</summary>
    public bool ApplyLapse(Referral referral)
    {
        if (DeadlineRules.Lapse(referral.Status, DeadlinesOf(referral), time.GetUtcNow()) is not { } lapse)
            return false;
        if (lapse.Status == ReferralStatus.TacitlyAccepted)
            referral.TransferDueAt = lapse.At.AddMonths(options.Value.For(referral.LegalBasis).TransferMonths);
        Transition(referral, $"deadline:{lapse.Deadline}", null, Rule, lapse.Status, lapse.At, null, false, FeedEventTypes.DeadlinePassed);
        return true;
    }

    /// <summary>Adds a feed event to the transaction; the feed sequencer numbers it after commit.</summary>
    public void Publish(Referral referral, string type, Guid? messageId, string? step, string? detail)
    {
        db.WakeAfterCommit(Work.Feed);
        db.Feed.Add(new FeedEvent
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
        referral.NextDueAt = DeadlinesOf(referral).Open(referral.Status);
        referral.UpdatedAt = time.GetUtcNow();
    }
}
