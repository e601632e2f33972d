using System.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Evidence;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Evidence;

/// <summary>
/// Builds one case's evidence pack (docs/evidence-pack.md) from what this node stores: its messages and receipts,
/// its audit entries of the case up to the latest checkpoint the case's peer cosigned, with inclusion proofs to it,
/// the first cosigned checkpoint covering each entry with a consistency proof, and both nodes' keys.
/// </summary>
public sealed class EvidenceExport(NodeDbContext db, AuditTree tree, NodeKeys keys, IOptions<NodeOptions> node,
    IOptions<EvidenceOptions> options, TimeProvider time)
{
    /// <summary>The pack, or the problem: the peer has not cosigned any checkpoint of this node's log yet, or the case is beyond a pack's bounds.</summary>
    public async Task<EvidenceExportResult> BuildAsync(Referral referral, bool personalData, CancellationToken ct)
    {
        var own = node.Value.Country;
        var peer = referral.RequestingState == own ? referral.RequestedState : referral.RequestingState;

        var checkpoint = await Cosigned(peer).OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(ct);
        if (checkpoint is null)
            return EvidenceExportResult.Fail(Problems.EvidenceNotReady,
                "The peer has not cosigned a checkpoint of this node's audit log yet; retry in a few seconds.");
        var size = checkpoint.TreeSize;

        var entries = await db.AuditEntries.AsNoTracking().Where(e => e.ReferralId == referral.Id && e.LogIndex < size)
            .OrderBy(e => e.LogIndex).Take(EvidenceFormat.MaxAuditEntries + 1).Select(e => new { e.LogIndex, e.Leaf }).ToListAsync(ct);
        if (entries.Count > EvidenceFormat.MaxAuditEntries)
            return EvidenceExportResult.Fail(Problems.EvidenceTooLarge, $"The case has more than {EvidenceFormat.MaxAuditEntries} audit entries.");
        var paths = await tree.ComputeAsync(p => entries.Select(e => MerkleTree.InclusionProof(p, e.LogIndex, size)).ToList(), ct);

        // For each entry, the first cosigned checkpoint that holds it: one query per distinct checkpoint, at most one per entry.
        var earlier = new List<CosignedCheckpoint>();
        foreach (var e in entries)
        {
            if (earlier.Count > 0 && e.LogIndex < earlier[^1].TreeSize)
                continue;
            var first = await Cosigned(peer).Where(c => c.TreeSize > e.LogIndex).OrderBy(c => c.TreeSize).FirstAsync(ct);
            if (first.TreeSize == size)
                break;
            earlier.Add(first);
        }
        var consistency = await tree.ComputeAsync(p => earlier.Select(c => MerkleTree.ConsistencyProof(p, c.TreeSize, size)).ToList(), ct);

        var messages = await db.Messages.AsNoTracking().Where(m => m.ReferralId == referral.Id)
            .OrderBy(m => m.SentAt).ThenBy(m => m.Direction).ThenBy(m => m.Seq).Take(EvidenceFormat.MaxMessages + 1).ToListAsync(ct);
        if (messages.Count > EvidenceFormat.MaxMessages)
            return EvidenceExportResult.Fail(Problems.EvidenceTooLarge, $"The case has more than {EvidenceFormat.MaxMessages} messages.");

        var pack = new EvidencePack(EvidenceFormat.Version, "",
            [.. messages.Select(m => personalData
                ? new EvidenceMessage(Encoding.ASCII.GetString(keys.Cipher.Decrypt(referral.WrappedDataKey, referral.Id, MessageColumns.Jws(m.Id), m.Jws)), null, m.ReceiptJws)
                : new EvidenceMessage(null, m.Digest, m.ReceiptJws))],
            [.. entries.Select((e, i) => new EvidenceAuditEntry(AuditEntry.Encode(e.Leaf), [.. paths[i].Select(h => AuditEntry.Encode(h))]))],
            new EvidenceCheckpoint(checkpoint.Jws, checkpoint.Cosignature),
            [.. earlier.Select((c, i) => new EvidenceEarlierCheckpoint(c.Jws, c.Cosignature, [.. consistency[i].Select(h => AuditEntry.Encode(h))]))],
            Keys(own, peer));
        return new EvidenceExportResult(EvidencePackWriter.Seal(pack, referral.Id, own, time.GetUtcNow(), personalData, keys.Signing), null, null);
    }

    private IQueryable<CosignedCheckpoint> Cosigned(string peer) =>
        from c in db.AuditCheckpoints.AsNoTracking()
        join s in db.AuditCosignatures.AsNoTracking() on c.TreeSize equals s.TreeSize
        where s.Witness == peer
        select new CosignedCheckpoint { TreeSize = c.TreeSize, Jws = c.Jws, Cosignature = s.Jws };

    /// <summary>This node's published keys (current and retired), then the peer's pinned keys, with their configured validity.</summary>
    private List<EvidenceKey> Keys(string own, string peer)
    {
        var validity = options.Value.Keys.ToDictionary(k => k.Kid, StringComparer.Ordinal);
        EvidenceKey Key(string country, JsonWebKey jwk)
        {
            var v = validity.GetValueOrDefault(jwk.Kid);
            return new EvidenceKey(country, v?.ValidFrom is { } from ? EvidenceFormat.FormatTime(from) : null,
                v?.ValidUntil is { } until ? EvidenceFormat.FormatTime(until) : null,
                new JsonWebKey(jwk.Kty, jwk.Crv, jwk.X, jwk.Y, jwk.Kid));
        }
        return [.. keys.Published.Keys.Select(k => Key(own, k)), .. JsonWebKeySet.Parse(keys.PeerJwks[peer]).Keys.Select(k => Key(peer, k))];
    }

    /// <summary>Member-initialized (not a constructor) so EF can filter and order on it after the projection.</summary>
    private sealed class CosignedCheckpoint
    {
        public long TreeSize { get; init; }
        public required string Jws { get; init; }
        public required string Cosignature { get; init; }
    }
}

public sealed record EvidenceExportResult(EvidencePack? Pack, ProblemKind? Problem, string? Detail)
{
    public static EvidenceExportResult Fail(ProblemKind problem, string detail) => new(null, problem, detail);
}
