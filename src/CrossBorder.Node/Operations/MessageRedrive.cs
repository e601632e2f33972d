using CrossBorder.Core.Audit;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Operations;

/// <summary>
/// Puts a dead-lettered outgoing message back in the outbox after an operator fixed what made the peer refuse it.
/// The message keeps its id and its signed bytes, so the peer's idempotency still holds. The re-drive and who asked
/// for it are one audit entry, committed with the change; the dispatchers are woken at commit.
/// </summary>
public sealed class MessageRedrive(NodeDbContext db, AuditLog audit, TimeProvider time)
{
    public enum Outcome { Redriven, NotFound, NotDeadLetter }

    public async Task<(Outcome Outcome, RedriveResult? Result)> RedriveAsync(Guid messageId, string client, string? account,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var message = await db.Messages.AsNoTracking()
            .Where(m => m.Id == messageId && m.Direction == Directions.Outgoing)
            .Select(m => new { m.ReferralId, m.State }).FirstOrDefaultAsync(ct);
        if (message is null)
            return (Outcome.NotFound, null);
        var changed = await db.Messages
            .Where(m => m.Id == messageId && m.Direction == Directions.Outgoing && m.State == MessageStates.DeadLetter)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, MessageStates.Queued)
                .SetProperty(m => m.NextAttemptAt, now)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.LeaseToken, (Guid?)null)
                .SetProperty(m => m.LastError, (string?)null), ct);
        if (changed != 1)
            return (Outcome.NotDeadLetter, null);
        audit.Record(new(AuditKinds.MessageRedriven)
        {
            Client = client, ReferralId = message.ReferralId, MessageId = messageId, Detail = account is null ? null : "account=" + account,
        });
        db.WakeAfterCommit(Work.Outbox);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (Outcome.Redriven, new RedriveResult(messageId, message.ReferralId, MessageStates.Queued, now));
    }
}
