using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace CrossBorder.Node.Identity;

/// <summary>
/// The authentication scheme of every API request: a bearer token OpenIddict has already accepted in this process is
/// accepted again without checking its ES256 signature a second time, until the token expires; anything else goes to
/// OpenIddict's validation as before. A client sends the same token for its whole lifetime (5 minutes), so this spares
/// one signature verification per request (about a tenth of a node's CPU under load).
/// </summary>
/// <remarks>
/// Nothing is accepted that OpenIddict would refuse: only a token OpenIddict validated here is remembered, the lookup
/// is by the exact token, and an entry ends at the token's own expiry, judged on the node's clock (the one OpenIddict
/// uses). What OpenIddict checks besides signature and lifetime (issuer, audience, token type) is part of the token,
/// so it holds for every later use. Token entries are not looked up in the database on validation (OpenIddict's
/// token-entry validation is off), so there is no revocation to miss; the signing key is read at start, so a
/// withdrawn key means a restart, which empties this memory. Challenges and forbids are OpenIddict's.
/// </remarks>
public sealed class CachedBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ValidatedTokens tokens, IAuthenticationHandlerProvider handlers) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CrossBorder.Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken(Request);
        if (token is not null && tokens.Find(token) is { } remembered)
            return AuthenticateResult.Success(remembered.Clone());

        // OpenIddict's handler itself, not Context.AuthenticateAsync: claims transformations run once, on what this
        // scheme returns, for a remembered token as for a new one.
        var openIddict = await handlers.GetHandlerAsync(Context, OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            ?? throw new InvalidOperationException("OpenIddict's validation scheme is not registered.");
        var result = await openIddict.AuthenticateAsync();
        if (token is not null && result.Succeeded)
            tokens.Remember(token, result.Ticket!);
        return result;
    }

    /// <summary>
    /// The token of the one <c>Authorization: Bearer</c> header, cut exactly as OpenIddict cuts it (after "Bearer ");
    /// anything it would read differently (extra spaces, several headers) is left to OpenIddict, uncached. Tokens in
    /// the query string or a form body are not accepted at all (<see cref="AuthSetup"/>).
    /// </summary>
    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return null;
        var token = value[7..];
        return token.Length == 0 || char.IsWhiteSpace(token[0]) || char.IsWhiteSpace(token[^1]) ? null : token;
    }
}

/// <summary>
/// Access tokens this process validated, each with its authentication ticket, until the token's expiry. Bounded: at
/// <see cref="Capacity"/> entries the expired ones are swept (at most once a second), and if none are, nothing new is
/// remembered until some expire (a new token is then fully validated each time, as without this memory).
/// </summary>
public sealed class ValidatedTokens(TimeProvider time)
{
    public const int Capacity = 10_000;

    /// <summary>Longest an entry lives, whatever the token says (the node issues tokens for 5 minutes).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _sweep = new();
    private int _count;
    private long _lastSweepTicks;

    /// <summary>
    /// Entries held, expired ones not yet swept included. Counted apart: <c>ConcurrentDictionary.Count</c> takes every
    /// lock of the dictionary, and <see cref="Remember"/> reads the count on each newly validated token.
    /// </summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The ticket validated for this exact token, while the token has not expired.</summary>
    public AuthenticationTicket? Find(string token)
    {
        if (!_entries.TryGetValue(token, out var entry))
            return null;
        if (entry.ExpiresAt > time.GetUtcNow())
            return entry.Ticket;
        Remove(token, entry);
        return null;
    }

    public void Remember(string token, AuthenticationTicket ticket)
    {
        var now = time.GetUtcNow();
        // OpenIddict puts the token's expiry in the ticket's properties and its principal; without one there is nothing
        // safe to remember.
        if ((ticket.Properties.ExpiresUtc ?? ticket.Principal.GetExpirationDate()) is not { } expires || expires <= now)
            return;
        if (Count >= Capacity && (!Sweep(now) || Count >= Capacity))
            return;

        var limit = now + MaxLifetime;
        if (_entries.TryAdd(token, new Entry(ticket.Clone(), expires < limit ? expires : limit)))
            Interlocked.Increment(ref _count);
    }

    /// <summary>Drops expired entries, unless another thread swept less than a second ago; false when it did not sweep.</summary>
    private bool Sweep(DateTimeOffset now)
    {
        lock (_sweep)
        {
            if (now.UtcTicks - Volatile.Read(ref _lastSweepTicks) < SweepInterval.Ticks)
                return false;
            Volatile.Write(ref _lastSweepTicks, now.UtcTicks);
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
                Remove(key, entry);
        }

        return true;
    }

    private void Remove(string token, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(token, entry)))
            Interlocked.Decrement(ref _count);
    }

    private sealed record Entry(AuthenticationTicket Ticket, DateTimeOffset ExpiresAt);
}
