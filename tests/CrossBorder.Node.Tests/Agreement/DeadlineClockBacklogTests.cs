using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Data;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrossBorder.Node.Tests.Agreement;

/// <summary>
/// Issue 10, regression: the clock re-read the same 50 reminder-only rows forever (bumping their versions) and never
/// reached later lapses. With 1,000 reminder-only cases ahead of 250 lapses, one pass works the backlog off.
/// </summary>
public sealed class DeadlineClockBacklogTests
{
    private const int ReminderOnly = 1000;
    private const int Lapsing = 250;

    [Test]
    public async Task Clock_1250DueCasesMostlyReminderOnly_EveryLapseAppliedUntouchedVersionsUnchanged()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var template = Guid.Parse(await cases.SubmitAsync());
        var now = pair.Clock.GetUtcNow();
        var reminders = new List<Guid>();
        var lapses = new List<Guid>();
        await using (var scope = pair.Gb.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
            var source = await db.Referrals.AsNoTracking().SingleAsync(r => r.Id == template);
            for (var n = 0; n < ReminderOnly + Lapsing; n++)
            {
                var remind = n < ReminderOnly;
                var copy = Clone(source, n);
                // Reminder-only rows are due first: the information answer is overdue, the reply deadline far off.
                copy.Status = remind ? ReferralStatus.InformationRequested : ReferralStatus.UnderExamination;
                copy.InformationDueAt = remind ? now.AddDays(-30).AddSeconds(n) : null;
                copy.ReplyDueAt = remind ? now.AddDays(20) : now.AddDays(-1).AddSeconds(n);
                copy.NextDueAt = remind ? copy.InformationDueAt : copy.ReplyDueAt;
                copy.LapseDueAt = copy.ReplyDueAt;
                (remind ? reminders : lapses).Add(copy.Id);
                db.Referrals.Add(copy);
            }
            await db.SaveChangesAsync();
        }

        await NodePair.EventuallyAsync(() => CountAsync(pair, db => db.Referrals.CountAsync(r => lapses.Contains(r.Id)
                && r.Status == ReferralStatus.TacitlyAccepted)), n => n == Lapsing, TimeSpan.FromSeconds(60), "every lapse applied");
        await NodePair.EventuallyAsync(() => CountAsync(pair, db => db.Reminders.CountAsync(x => reminders.Contains(x.ReferralId))),
            n => n == ReminderOnly, TimeSpan.FromSeconds(60), "every reminder sent");
        // Another pass, run by hand, as a second replica would: nothing more to do, nothing sent twice.
        await pair.Gb.Services.GetServices<IHostedService>().OfType<DeadlineClock>().Single().TickAsync(CancellationToken.None);

        await using var check = pair.Gb.Services.CreateAsyncScope();
        var read = check.ServiceProvider.GetRequiredService<NodeDbContext>();
        var untouched = await read.Referrals.AsNoTracking().Where(r => reminders.Contains(r.Id)).Select(r => new { r.Version, r.Status })
            .ToListAsync();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(untouched.Select(r => (r.Version, r.Status)).Distinct(), Is.EqualTo(new[] { (1, ReferralStatus.InformationRequested) }));
            Assert.That(await read.Reminders.CountAsync(x => reminders.Contains(x.ReferralId)), Is.EqualTo(ReminderOnly));
            Assert.That(await read.Referrals.CountAsync(r => lapses.Contains(r.Id) && r.Version == 2), Is.EqualTo(Lapsing));
            Assert.That(await read.Feed.CountAsync(e => e.Type == FeedEventTypes.Reminder), Is.EqualTo(ReminderOnly));
        });
    }

    private static async Task<int> CountAsync(NodePair pair, Func<NodeDbContext, Task<int>> count)
    {
        await using var scope = pair.Gb.Services.CreateAsyncScope();
        return await count(scope.ServiceProvider.GetRequiredService<NodeDbContext>());
    }

    private static Referral Clone(Referral r, int n) => new()
    {
        Id = Guid.CreateVersion7(),
        Reference = $"GB-5-2026-9{n:D5}",
        Direction = r.Direction,
        Status = r.Status,
        LegalBasis = r.LegalBasis,
        RequestingState = r.RequestingState,
        RequestedState = r.RequestedState,
        ApplicationLodgedOn = r.ApplicationLodgedOn,
        CreatedBy = r.CreatedBy,
        CreatedAt = r.CreatedAt,
        UpdatedAt = r.UpdatedAt,
        ReceivedAt = r.ReceivedAt,
        Version = 1,
        DataKey = r.DataKey,
        KekId = r.KekId,
        PersonalData = r.PersonalData,
    };
}
