using CrossBorder.Core.Audit;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Workers;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Console;

/// <summary>
/// Checks a person's name and password: lockout after <see cref="ConsoleOptions.MaxFailedAttempts"/> failures in a
/// row, disabled accounts refused, every outcome an audit entry that names the account id (or nothing, for an
/// unknown name), never the name or the password.
/// </summary>
public sealed class ConsoleSignIn(NodeDbContext db, AuditLog audit, IPasswordHasher<ConsoleAccount> hasher,
    IOptions<ConsoleOptions> options, TimeProvider time)
{
    public const int MaxPasswordLength = 256;

    /// <summary>A hash to verify against when the name is unknown, so the answer takes as long as for a known one.</summary>
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<ConsoleAccount>().HashPassword(null!, Guid.NewGuid().ToString()));

    public async Task<ConsoleAccount?> VerifyAsync(string name, string password, CancellationToken ct)
    {
        var account = await db.ConsoleAccounts.FirstOrDefaultAsync(a => a.Name == name, ct);
        if (account is null)
        {
            await EventThreads.OffloadAsync(() => hasher.VerifyHashedPassword(null!, DecoyHash.Value, password), ct);
            await RefuseAsync(null, "unknown_account", ct);
            return null;
        }
        if (account.Disabled)
        {
            await RefuseAsync(account, "disabled", ct);
            return null;
        }
        var now = time.GetUtcNow();
        if (account.LockoutUntil > now)
        {
            await RefuseAsync(account, "locked_out", ct);
            return null;
        }

        var verdict = await EventThreads.OffloadAsync(() => hasher.VerifyHashedPassword(account, account.PasswordHash, password), ct);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var max = options.Value.MaxFailedAttempts;
            var until = now + options.Value.LockoutDuration;
            // One statement: concurrent failures all count, and the one that reaches the limit locks.
            await db.ConsoleAccounts.Where(a => a.Id == account.Id).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.LockoutUntil, a => a.FailedAttempts + 1 >= max ? until : a.LockoutUntil)
                .SetProperty(a => a.FailedAttempts, a => a.FailedAttempts + 1 >= max ? 0 : a.FailedAttempts + 1), ct);
            await RefuseAsync(account, account.FailedAttempts + 1 >= max ? "locked_now" : "bad_password", ct);
            return null;
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            account.PasswordHash = await EventThreads.OffloadAsync(() => hasher.HashPassword(account, password), ct);
        account.FailedAttempts = 0;
        account.LockoutUntil = null;
        audit.Record(new(AuditKinds.ConsoleSignIn) { Client = ConsoleClient.ClientId, Code = account.Role, Detail = Detail(account) });
        await db.SaveChangesAsync(ct);
        return account;
    }

    /// <summary>The account a sign-in session names, when it still may authorize: enabled, and not reset since.</summary>
    public async Task<ConsoleAccount?> ActiveAsync(Guid id, Guid stamp, CancellationToken ct) =>
        await db.ConsoleAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id && a.SecurityStamp == stamp && !a.Disabled, ct);

    /// <summary>The account a token names, when it is still enabled.</summary>
    public async Task<ConsoleAccount?> EnabledAsync(Guid id, CancellationToken ct) =>
        await db.ConsoleAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id && !a.Disabled, ct);

    public Task RefuseAsync(ConsoleAccount? account, string code, CancellationToken ct) =>
        audit.SecurityEventAsync(new(AuditKinds.SecuritySignInRefused)
        {
            Client = ConsoleClient.ClientId, Code = code, Detail = account is null ? null : Detail(account),
        }, ct);

    public static string Detail(ConsoleAccount account) => "account=" + account.Id;
}
