using System.Buffers.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Operations;

/// <summary>
/// What the operator's and the auditor's console read, from the node's own tables: metadata only (states, times,
/// digests, codes), never a message's content or a referral's personal data.
/// </summary>
public sealed class OperationsQueries(NodeDbContext db, NpgsqlDataSource dataSource, PeerHealth peers, NodeKeys keys,
    IOptions<NodeOptions> node, TimeProvider time)
{
    public async Task<MessageSummary> SummaryAsync(CancellationToken ct)
    {
        var states = await db.Messages.AsNoTracking().GroupBy(m => new { m.Direction, m.State })
            .Select(g => new MessageStateCount(g.Key.Direction, g.Key.State, g.LongCount()))
            .ToListAsync(ct);
        // The outbox index holds queued rows in id order, and ids are UUIDv7 (time-ordered): the first is the oldest.
        var oldest = await db.Messages.AsNoTracking().Where(m => m.Direction == Directions.Outgoing && m.State == MessageStates.Queued)
            .OrderBy(m => m.Id).Select(m => (DateTimeOffset?)m.SentAt).FirstOrDefaultAsync(ct);
        var now = time.GetUtcNow();
        return new MessageSummary(states.OrderBy(s => s.Direction).ThenBy(s => s.State).ToList(), oldest,
            oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : null,
            states.Where(s => s.Direction == Directions.Outgoing && s.State == MessageStates.DeadLetter).Sum(s => s.Count), now);
    }

    public async Task<DeadLetterPage> DeadLettersAsync(Guid? after, int limit, CancellationToken ct)
    {
        var query = db.Messages.AsNoTracking().Where(m => m.Direction == Directions.Outgoing && m.State == MessageStates.DeadLetter);
        if (after is { } a) query = query.Where(m => m.Id.CompareTo(a) > 0);
        var rows = await query.OrderBy(m => m.Id).Take(limit + 1)
            .Select(m => new DeadLetterView(m.Id, m.ReferralId, m.Type, m.Seq, m.ToCountry, m.SentAt, m.Attempts, m.LastAttemptAt, m.LastError))
            .ToListAsync(ct);
        var items = rows.Take(limit).ToList();
        return new DeadLetterPage(items, rows.Count > limit ? QueryValues.EncodeId(items[^1].MessageId) : null);
    }

    public async Task<PeerStatusList> PeersAsync(CancellationToken ct)
    {
        var items = new List<PeerStatusView>();
        foreach (var peer in node.Value.Peers)
        {
            var counts = await db.Messages.AsNoTracking()
                .Where(m => m.Direction == Directions.Outgoing && m.ToCountry == peer.Country
                    && (m.State == MessageStates.Queued || m.State == MessageStates.DeadLetter))
                .GroupBy(m => m.State).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync(ct);
            var delivered = await db.Messages.AsNoTracking()
                .Where(m => m.Direction == Directions.Outgoing && m.ToCountry == peer.Country && m.State == MessageStates.Delivered)
                .MaxAsync(m => m.ReceivedAt, ct);
            var cosigned = await db.AuditCosignatures.AsNoTracking().Where(c => c.Witness == peer.Country)
                .MaxAsync(c => (DateTimeOffset?)c.ReceivedAt, ct);
            var (failing, paused) = peers.StateOf(peer.Country);
            items.Add(new PeerStatusView(peer.Country, peer.Url!.AbsoluteUri, paused is not null ? "open" : failing ? "half-open" : "closed",
                paused, counts.Where(c => c.Key == MessageStates.Queued).Sum(c => c.Count),
                counts.Where(c => c.Key == MessageStates.DeadLetter).Sum(c => c.Count), delivered, cosigned));
        }
        return new PeerStatusList(items);
    }

    /// <summary>Own keys first (current, then retired), then each peer's pinned keys.</summary>
    public KeyList Keys()
    {
        var own = node.Value.Country;
        var items = keys.Published.Keys.Select(k => View(own, true, k, k.Kid == keys.Signing.Kid)).ToList();
        foreach (var peer in node.Value.Peers)
            items.AddRange(Core.Signing.JsonWebKeySet.Parse(keys.PeerJwks[peer.Country]).Keys.Select(k => View(peer.Country, false, k, false)));
        return new KeyList(items);
    }

    // Keys have no configured validity period yet: notAfter stays null until they do.
    private static KeyView View(string owner, bool isOwn, Core.Signing.JsonWebKey k, bool current) =>
        new(owner, isOwn, k.Kid, k.Kty, k.Crv, k.X, k.Y, current, null, null);

    public async Task<ThroughputView> ThroughputAsync(int minutes, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var to = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        var from = to.AddMinutes(-minutes);
        // Message ids are UUIDv7: an id bound a day before the window lets the primary key skip older rows; the window's
        // own condition is on the timestamps.
        var floor = Uuid7Floor(from.AddDays(-1));
        await using var cmd = dataSource.CreateCommand("""
            SELECT date_trunc('minute', sent_at) AS minute, 1 AS what, count(*), NULL::float8, NULL::float8, NULL::float8
              FROM messages WHERE id >= $1 AND direction = 'outgoing' AND sent_at >= $2 AND sent_at < $3 GROUP BY 1
            UNION ALL
            SELECT date_trunc('minute', received_at), 2, count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - sent_at) * 1000),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - sent_at) * 1000),
                   max(extract(epoch FROM received_at - sent_at) * 1000)::float8
              FROM messages WHERE id >= $1 AND direction = 'outgoing' AND state = 'delivered' AND received_at >= $2 AND received_at < $3 GROUP BY 1
            UNION ALL
            SELECT date_trunc('minute', coalesce(received_at, sent_at)), 3, count(*), NULL, NULL, NULL
              FROM messages WHERE id >= $1 AND direction = 'incoming' AND coalesce(received_at, sent_at) >= $2
                AND coalesce(received_at, sent_at) < $3 GROUP BY 1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = floor });
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var buckets = Enumerable.Range(0, minutes).Select(i => new Bucket(from.AddMinutes(i))).ToArray();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var minute = reader.GetFieldValue<DateTimeOffset>(0);
                var i = (int)((minute - from).Ticks / TimeSpan.TicksPerMinute);
                if (i < 0 || i >= buckets.Length) continue;
                var count = reader.GetInt64(2);
                switch (reader.GetInt32(1))
                {
                    case 1: buckets[i].Sent = count; break;
                    case 2:
                        buckets[i].Delivered = count;
                        buckets[i].P50 = reader.IsDBNull(3) ? null : Math.Round(reader.GetDouble(3), 1);
                        buckets[i].P95 = reader.IsDBNull(4) ? null : Math.Round(reader.GetDouble(4), 1);
                        buckets[i].Max = reader.IsDBNull(5) ? null : Math.Round(reader.GetDouble(5), 1);
                        break;
                    default: buckets[i].Received = count; break;
                }
            }
        return new ThroughputView(from, to, 60,
            buckets.Select(b => new ThroughputBucket(b.Start, b.Sent, b.Delivered, b.Received, b.P50, b.P95, b.Max)).ToList());
    }

    private sealed class Bucket(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public long Sent, Delivered, Received;
        public double? P50, P95, Max;
    }

    /// <summary>The smallest UUIDv7 of the millisecond <paramref name="at"/> (RFC 9562 §5.7: 48-bit Unix milliseconds first).</summary>
    internal static Guid Uuid7Floor(DateTimeOffset at)
    {
        var bytes = new byte[16];
        var ms = Math.Max(0, at.ToUnixTimeMilliseconds());
        for (var i = 0; i < 6; i++)
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        return new Guid(bytes, bigEndian: true);
    }

    public async Task<CheckpointPage> CheckpointsAsync(long? before, int limit, CancellationToken ct)
    {
        var query = db.AuditCheckpoints.AsNoTracking().AsQueryable();
        if (before is { } b) query = query.Where(c => c.TreeSize < b);
        var rows = await query.OrderByDescending(c => c.TreeSize).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).ToList();
        var sizes = page.Select(c => c.TreeSize).ToList();
        var cosignatures = (await db.AuditCosignatures.AsNoTracking().Where(c => sizes.Contains(c.TreeSize)).ToListAsync(ct))
            .GroupBy(c => c.TreeSize).ToDictionary(g => g.Key, g => g.OrderBy(c => c.Witness).First());
        var items = page.Select(c =>
        {
            var payload = Checkpoint.Parse(Core.Signing.Jws.UnverifiedPayload(c.Jws), out _);
            cosignatures.TryGetValue(c.TreeSize, out var cosigned);
            return new CheckpointItem(c.TreeSize, Base64Url.EncodeToString(c.RootHash), payload?.Time ?? c.SignedAt, c.Jws, cosigned?.Jws,
                cosigned?.Witness);
        }).ToList();
        return new CheckpointPage(items, rows.Count > limit ? QueryValues.EncodePosition(items[^1].TreeSize) : null);
    }

    public async Task<CaseTimeline?> CaseAsync(Guid id, CancellationToken ct)
    {
        var r = await db.Referrals.AsNoTracking().Where(x => x.Id == id).Select(x => new
        {
            x.Id, x.Reference, x.Direction, x.Status, x.LegalBasis, x.RequestingState, x.RequestedState, x.CreatedAt,
            x.ReplyDueAt, x.InformationDueAt, x.ReexaminationRequestDueAt, x.ReexaminationReplyDueAt, x.TransferDueAt,
        }).FirstOrDefaultAsync(ct);
        if (r is null) return null;
        var now = time.GetUtcNow();
        var deadlines = new (string Name, DateTimeOffset? Due)[]
            {
                ("reply", r.ReplyDueAt), ("information", r.InformationDueAt), ("reexamination-request", r.ReexaminationRequestDueAt),
                ("reexamination-reply", r.ReexaminationReplyDueAt), ("transfer", r.TransferDueAt),
            }
            .Where(d => d.Due is not null).Select(d => new CaseDeadline(d.Name, d.Due!.Value, d.Due.Value < now)).ToList();
        var messages = await db.Messages.AsNoTracking().Where(m => m.ReferralId == id).OrderBy(m => m.SentAt).ThenBy(m => m.Seq)
            .Select(m => new CaseMessage(m.Id, m.Direction, m.Seq, m.Type, m.SentAt, m.ReceivedAt, m.State, m.Digest)).ToListAsync(ct);
        var steps = await db.Steps.AsNoTracking().Where(s => s.ReferralId == id).OrderBy(s => s.At)
            .Select(s => new CaseStep(s.Step, s.Outcome, s.TakenBy, s.FromStatus, s.ToStatus, s.At, s.LegalAt, s.InTime, s.State))
            .ToListAsync(ct);
        return new CaseTimeline(r.Id, r.Reference, r.Direction, r.Status, r.LegalBasis, r.RequestingState, r.RequestedState, r.CreatedAt,
            deadlines, messages, steps);
    }
}
