using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using CrossBorder.Node.Hosting.Workers;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// Applies what lapsed deadlines decide by rule (tacit acceptance, final refusal, transfer expiry). Both
/// nodes run it on their own copy with the same rule and the same signed times, so they agree without a
/// message. Rows are locked with <c>FOR UPDATE SKIP LOCKED</c>, so replicas never apply a lapse twice.
/// </summary>
public sealed class DeadlineClock(IServiceScopeFactory scopes, IOptions<DeadlineOptions> options, TimeProvider time,
    ILogger<DeadlineClock> log) : NodeWorker(log)
{
    private static readonly string[] Watched =
    [
        ReferralStatus.UnderExamination, ReferralStatus.InformationRequested, ReferralStatus.ReexaminationRequested,
        ReferralStatus.Accepted, ReferralStatus.TacitlyAccepted, ReferralStatus.TransferPlanned,
    ];

    protected override string Name => "Deadline clock";

    protected override async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Value.ClockInterval);
        do
        {
            await TickAsync(ct);
        } while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
    }

    /// <summary>One pass: every referral whose open deadline has passed, a batch at a time.</summary>
    public async Task<int> TickAsync(CancellationToken ct)
    {
        var applied = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
            var lifecycle = scope.ServiceProvider.GetRequiredService<CaseLifecycle>();
            var now = time.GetUtcNow();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var due = await db.Referrals.FromSql($"""
                SELECT * FROM referrals
                WHERE next_due_at <= {now} AND status = ANY({Watched})
                ORDER BY next_due_at LIMIT 50
                FOR UPDATE SKIP LOCKED
                """).ToListAsync(ct);
            var changed = 0;
            foreach (var referral in due)
            {
                // A case may lapse twice in one pass (tacit acceptance, then an expired transfer).
                while (lifecycle.ApplyLapse(referral)) changed++;
                referral.Version++;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            applied += changed;
            if (due.Count < 50) break;
        }
        if (applied > 0)
            log.LogInformation("Deadline clock applied {Count} lapse(s)", applied);
        return applied;
    }
}
