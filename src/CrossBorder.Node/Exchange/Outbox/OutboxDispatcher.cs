using CrossBorder.Core.Crypto;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Workers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CrossBorder.Node.Exchange;

/// <summary>
/// Delivers the outbox (docs/design.md, exchange step 3). It claims only as many due rows as it has free send
/// slots, with <c>FOR UPDATE SKIP LOCKED</c>, a lease timed by the database clock and a fencing token; it
/// renews the leases of the sends still running, so a slow send keeps its rows and a dead replica's rows
/// come back within one lease. Only the oldest undelivered message of a referral is claimable (per-referral
/// order); different referrals go in parallel. Sending happens outside any transaction, in
/// <see cref="Delivery"/>; every later update of a claimed row checks its token. A peer that failed gets one message at
/// a time until one gets through (the probe); a paused peer (open circuit, 429) gets none.
/// </summary>
public sealed class OutboxDispatcher(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, WorkSignals signals,
    PeerHealth peers, WriteLimiter writes, NodeActivity activity, IOptions<ExchangeOptions> options, ILogger<OutboxDispatcher> log)
    : NodeWorker(log)
{
    /// <summary>
    /// The claim's statement for one peer filter (every peer, every peer but some, one peer) and one size. The size is in
    /// the text, a power of two (<see cref="ClaimAsync"/> claims in such parts), so each of the few forms is a prepared
    /// statement whose plan PostgreSQL keeps: with the size a parameter (<c>LIMIT $1</c>) and the filters optional
    /// (<c>$5 IS NULL OR to_country = $5</c>), the generic plan looked dearer than a fresh one, and PostgreSQL planned
    /// every claim anew (measured with pg_stat_statements: about 0.5 ms of planning per claim under load, more than the
    /// claim itself). The excluding form still plans each time (its filter's estimate makes the generic plan sort every
    /// queued row); it runs only while a peer is paused or probed.
    /// </summary>
    private static string ClaimSql(string peerFilter, int size) => $"""
        WITH due AS (
            SELECT m.id FROM messages m
            WHERE m.direction = 'outgoing' AND m.state = 'queued'
              AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= clock_timestamp())
              AND (m.lease_until IS NULL OR m.lease_until < clock_timestamp()){peerFilter}
              AND NOT EXISTS (SELECT 1 FROM messages p
                              WHERE p.referral_id = m.referral_id AND p.direction = 'outgoing'
                                AND p.seq < m.seq AND p.state <> 'delivered')
            ORDER BY m.id
            LIMIT {size}
            FOR UPDATE OF m SKIP LOCKED)
        UPDATE messages SET lease_until = clock_timestamp() + $1, lease_token = $2,
                            attempts = messages.attempts + 1, last_attempt_at = clock_timestamp()
        FROM due, referrals r WHERE messages.id = due.id AND r.id = messages.referral_id
        RETURNING messages.id, messages.attempts, messages.referral_id, messages.seq, messages.type, messages.from_country,
                  messages.to_country, messages.sent_at, messages.jws, messages.digest, r.kek_id, r.data_key
        """;

    private const int ClaimSizes = 11; // 1, 2, 4, ... 1,024: BatchSize and MaxParallelSends are at most 1,000

    private static string[] ClaimSqls(string peerFilter) => [.. Enumerable.Range(0, ClaimSizes).Select(n => ClaimSql(peerFilter, 1 << n))];

    private static readonly string[] ClaimAnySqls = ClaimSqls(string.Empty);
    private static readonly string[] ClaimExcludingSqls = ClaimSqls("\n      AND m.to_country <> ALL($3)");
    private static readonly string[] ClaimOnlySqls = ClaimSqls("\n      AND m.to_country = $3");

    /// <summary>
    /// The statement claiming <see cref="ClaimSize"/>(<paramref name="size"/>) rows: its parameters are the lease, the token,
    /// then the excluded peers or the one peer, if any.
    /// </summary>
    internal static string ClaimSqlFor(int size, string[] excluded, string? onlyTo)
    {
        var form = BitOperations.Log2((uint)ClaimSize(size));
        return onlyTo is not null ? ClaimOnlySqls[form] : excluded.Length > 0 ? ClaimExcludingSqls[form] : ClaimAnySqls[form];
    }

    /// <summary>How many rows a claim of <paramref name="wanted"/> takes: the largest power of two not above it.</summary>
    internal static int ClaimSize(int wanted) => 1 << Math.Min(BitOperations.Log2((uint)Math.Max(1, wanted)), ClaimSizes - 1);

    /// <summary>
    /// Found by primary key: the message ids narrow it to the rows this replica sends, and their tokens fence it (a row
    /// another replica has claimed since carries another token). By token alone it read the whole table each time.
    /// </summary>
    internal const string RenewSql = """
        UPDATE messages SET lease_until = clock_timestamp() + $3
        WHERE id = ANY($1) AND lease_token = ANY($2) AND state = 'queued'
        """;

    private readonly ConcurrentDictionary<Guid, Claim> _sending = new();
    private readonly Dictionary<string, long> _nothingToProbe = new(); // the claim loop's own: when to look for a probe again
    private readonly BusyStretch _busy = new(); // the claim loop's own

    protected override string Name => "Outbox dispatcher";

    protected override async Task RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var stopRenewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewing = RenewLeasesAsync(stopRenewing.Token, ct);
        long lastClaim = 0; // a Stopwatch timestamp
        try
        {
            while (!Waits.IsCancellationRequested) // a stopping node claims nothing more
            {
                foreach (var peer in peers.ProbesDue(o.BreakDuration))
                {
                    await ProbeAsync(peer, ct);
                    _nothingToProbe.Remove(peer);
                }
                // Claim in batches: with sends running, wait until a quarter of the slots is free rather than
                // spending a claim (a write and a commit) on every single slot that frees up.
                var slots = Deferring(o) ? Math.Min(o.ParallelSendsWhileBusy, o.MaxParallelSends) : o.MaxParallelSends;
                var free = slots - _sending.Count;
                var worthClaiming = _sending.IsEmpty ? free > 0 : free >= Math.Max(1, slots / 4);
                var probing = peers.Probing();
                if (worthClaiming)
                    lastClaim = Stopwatch.GetTimestamp();
                var claimed = worthClaiming ? await ClaimAsync(Math.Min(free, o.BatchSize), [.. peers.Paused(), .. probing], ct) : [];
                Start(claimed, ct);
                // A peer that failed gets one message at a time until one gets through: claiming a batch for it would only
                // have the circuit refuse the rest (and count an attempt on each), and a success wakes the backlog anyway.
                var probes = 0;
                foreach (var peer in probing)
                {
                    if (claimed.Count + probes >= free || _sending.Values.Any(c => c.Loaded?.Message.ToCountry == peer)
                        || (_nothingToProbe.TryGetValue(peer, out var until) && Stopwatch.GetTimestamp() < until))
                        continue;
                    var probe = await ClaimAsync(1, [], ct, onlyTo: peer);
                    Start(probe, ct);
                    probes += probe.Count;
                    // Nothing due for it: look again at the next poll or probe, not at every commit meanwhile.
                    if (probe.Count == 0)
                        _nothingToProbe[peer] = Stopwatch.GetTimestamp() + (long)(o.PollInterval.TotalSeconds * Stopwatch.Frequency);
                }
                // A full claim may leave more due rows; otherwise wait for a commit, a finished send or the poll.
                if (!worthClaiming || claimed.Count < free)
                    await signals.Outbox.WaitSpacedAsync(o.PollInterval, lastClaim, o.MinClaimInterval, Waits);
            }
        }
        finally
        {
            // Stopping (NodeWorker): the sends in flight end first, their statements never cancelled mid-flight, unless they
            // outlast the drain; their leases are renewed meanwhile.
            try
            {
                while (Waits.IsCancellationRequested && !_sending.IsEmpty && !ct.IsCancellationRequested)
                    await signals.Outbox.WaitAsync(TimeSpan.FromMilliseconds(100), ct);
            }
            catch (OperationCanceledException) { }
            // Cancelled at the drain's end, the sends still running end now and hand their claims back (HandBackAsync):
            // waited for, briefly, or the node would dispose its data source under them and exit first.
            var handingBack = Stopwatch.StartNew();
            while (ct.IsCancellationRequested && !_sending.IsEmpty && handingBack.Elapsed < HandBackWait)
                await signals.Outbox.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            await stopRenewing.CancelAsync();
            try { await renewing; } catch (OperationCanceledException) { }
        }
    }

    /// <summary>
    /// The ministries' writes first: while they keep this replica busy (<see cref="WriteLimiter.Busy"/>), fewer sends at
    /// once, for at most <see cref="ExchangeOptions.MaxBusyDeferral"/> at a stretch (<see cref="BusyStretch"/>). When the
    /// writes ease, the next claim (at a commit, a finished send or the poll, within a second) takes every slot again.
    /// </summary>
    private bool Deferring(ExchangeOptions o) => _busy.Deferring(writes.Busy, Stopwatch.GetTimestamp(), o.MaxBusyDeferral);

    private void Start(IReadOnlyList<Claim> claims, CancellationToken ct)
    {
        foreach (var claim in claims)
        {
            _sending[claim.MessageId] = claim;
            _ = SendAsync(claim, ct);
        }
    }

    /// <summary>
    /// Claims up to <paramref name="count"/> due messages for this replica, under one fresh token, leaving out the
    /// messages to the <paramref name="excluded"/> peers (paused or probed: <see cref="PeerHealth"/>), or only those to
    /// <paramref name="onlyTo"/> (a probe). The count is claimed in parts of a power of two each, largest first (14 is
    /// 8, 4 and 2: see <see cref="ClaimSql"/>); a part that comes back short means nothing more is due. Each part commits
    /// on its own, so once a part has claimed rows, a later part's failure ends the claim with the rows already held
    /// (they are sent now, not left leased and unsent until their lease lapses); the next claim meets the failure again.
    /// </summary>
    public async Task<IReadOnlyList<Claim>> ClaimAsync(int count, string[] excluded, CancellationToken ct, string? onlyTo = null)
    {
        var token = Guid.CreateVersion7();
        var claims = new List<Claim>();
        for (var left = count; left > 0;)
        {
            var part = ClaimSize(left);
            var before = claims.Count;
            try
            {
                await ClaimPartAsync(part, token, excluded, onlyTo, claims, ct);
            }
            catch (Exception e) when (before > 0 && !ct.IsCancellationRequested && e is NpgsqlException or TimeoutException)
            {
                claims.RemoveRange(before, claims.Count - before); // a part read halfway: its rows' update did not commit
                break;
            }
            if (claims.Count - before < part)
                break;
            left -= part;
        }
        return claims;
    }

    private async Task ClaimPartAsync(int size, Guid token, string[] excluded, string? onlyTo, List<Claim> claims, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(ClaimSqlFor(size, excluded, onlyTo));
        cmd.Parameters.Add(new NpgsqlParameter { Value = options.Value.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
        cmd.Parameters.Add(new NpgsqlParameter { Value = token });
        if (onlyTo is not null)
            cmd.Parameters.Add(new NpgsqlParameter { Value = onlyTo, NpgsqlDbType = NpgsqlDbType.Varchar });
        else if (excluded.Length > 0)
            cmd.Parameters.Add(new NpgsqlParameter { Value = excluded, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // The claim returns what sending needs, so a send costs no further read.
            var message = new ExchangeMessage
            {
                Id = reader.GetGuid(0),
                Attempts = reader.GetInt32(1),
                ReferralId = reader.GetGuid(2),
                Direction = Data.Directions.Outgoing,
                Seq = reader.GetInt32(3),
                Type = reader.GetString(4),
                FromCountry = reader.GetString(5),
                ToCountry = reader.GetString(6),
                SentAt = reader.GetFieldValue<DateTimeOffset>(7),
                Jws = reader.GetFieldValue<byte[]>(8),
                Digest = reader.GetString(9),
                State = MessageStates.Queued,
                LeaseToken = token,
            };
            claims.Add(new Claim(message.Id, token, message.Attempts, new ClaimedMessage(message, new WrappedKey(reader.GetString(10), reader.GetFieldValue<byte[]>(11)))));
        }
    }

    /// <summary>Makes the soonest waiting message to a failing peer due now: the half-open probe.</summary>
    private async Task ProbeAsync(string peer, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            UPDATE messages SET next_attempt_at = clock_timestamp()
            WHERE id = (SELECT id FROM messages
                        WHERE direction = 'outgoing' AND state = 'queued' AND to_country = $1 AND lease_token IS NULL
                          AND next_attempt_at > clock_timestamp()
                        ORDER BY next_attempt_at LIMIT 1)
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = peer });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task SendAsync(Claim claim, CancellationToken ct)
    {
        await Task.Yield(); // the claim loop goes on while this message is sent
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Delivery>().DeliverAsync(claim, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await HandBackAsync(claim);
        }
        catch (Exception e)
        {
            // Delivery records its own failures; this is a failure to record one (e.g. the database is gone).
            // The lease lapses and the message is claimed again: nothing is lost.
            log.LogWarning("Message {MessageId}: delivery could not be recorded ({Error}{State})", claim.MessageId, e.GetType().Name,
                SqlState(e));
        }
        finally
        {
            _sending.TryRemove(claim.MessageId, out _);
            activity.MessageSent(); // the node is not idle while it sends (Hosting/IdleMemoryTrim)
            signals.Outbox.Notify(); // a send slot is free
        }
    }

    /// <summary>
    /// A send the node's stop cancelled (it outlasted the drain: a silent peer, a long document) gives its claim back,
    /// fenced by its token, so that another replica sends it at once rather than when the lease lapses (a rolling deploy,
    /// a scale-in). A send that reached the peer before its cancel is sent again and answered with the peer's receipt for
    /// that message id. The statement is short and never cancelled; if it fails, the lease lapses as after a crash.
    /// </summary>
    private async Task HandBackAsync(Claim claim)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand(HandBackSql);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claim.MessageId });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claim.Token });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            log.LogWarning("Message {MessageId}: claim not handed back at stop ({Error}{State}); its lease lapses", claim.MessageId,
                e.GetType().Name, SqlState(e));
        }
    }

    /// <summary>How long a stopping dispatcher waits, after the drain, for its cancelled sends to hand their claims back.</summary>
    private static readonly TimeSpan HandBackWait = TimeSpan.FromSeconds(2);

    internal const string HandBackSql = """
        UPDATE messages SET lease_until = NULL, lease_token = NULL
        WHERE id = $1 AND lease_token = $2 AND state = 'queued'
        """;

    /// <summary>Keeps the leases of running sends alive, a third of a lease at a time.</summary>
    private async Task RenewLeasesAsync(CancellationToken stop, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Value.Lease / 3);
        while (await timer.WaitForNextTickAsync(stop)) // the statement takes the worker's token: never cancelled mid-flight by `stop`
        {
            var held = _sending.Values.ToArray();
            if (held.Length == 0) continue;
            try
            {
                await using var cmd = dataSource.CreateCommand(RenewSql);
                cmd.Parameters.Add(new NpgsqlParameter { Value = held.Select(c => c.MessageId).ToArray() });
                cmd.Parameters.Add(new NpgsqlParameter { Value = held.Select(c => c.Token).Distinct().ToArray() });
                cmd.Parameters.Add(new NpgsqlParameter { Value = options.Value.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Outbox leases could not be renewed ({Error}{State})", e.GetType().Name, SqlState(e));
            }
        }
    }
}

/// <summary>
/// One claimed message: <see cref="Token"/> fences every update this claim makes. <see cref="Loaded"/> is the
/// message as the claim returned it (null when only the claim's identity is known).
/// </summary>
public sealed record Claim(Guid MessageId, Guid Token, int Attempt, ClaimedMessage? Loaded = null);
