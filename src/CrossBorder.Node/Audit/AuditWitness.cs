using System.Buffers.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Audit;

/// <summary>
/// The witness side of <c>POST /exchange/v1/checkpoints</c>: verifies the peer's checkpoint signature (pinned
/// keys) and the consistency proof from the size this node last cosigned, refuses a log that shrank or forked
/// (a security event in this node's own log), stores the new witness state and returns the cosignature.
/// The first checkpoint a peer ever sends is trusted as is (trust on first use); from then on every one must extend it.
/// </summary>
public sealed class AuditWitness(NodeDbContext db, NodeKeys keys, AuditLog audit, TimeProvider time, ILogger<AuditWitness> log)
{
    public const int MaxProofLength = 128;

    public async Task<WitnessResult> CosignAsync(string peer, string client, CosignRequest request, CancellationToken ct)
    {
        if (!keys.Peers.TryGetValue(peer, out var peerKeys))
            return WitnessResult.Fail(Problems.WrongSender, "The authenticated client is not a configured peer.");
        var checkpoint = Checkpoint.Verify(request.Checkpoint, peerKeys, out var error);
        var origin = Checkpoint.OriginOf(peer);
        if (checkpoint is null || checkpoint.Origin != origin)
        {
            var detail = checkpoint is null ? error : $"The checkpoint is of log '{checkpoint.Origin}', not '{origin}'.";
            await audit.SecurityEventAsync(new(AuditKinds.SecurityWitnessRefused) { Client = client, Code = Problems.CheckpointInvalid.Code, Detail = "bad checkpoint", Peer = peer }, ct);
            return WitnessResult.Fail(Problems.CheckpointInvalid, detail);
        }
        var proof = new List<byte[]>();
        foreach (var h in request.Proof)
        {
            if (h.Length > 64 || !Base64Url.IsValid(h, out var length) || length != MerkleHash.Size)
                return WitnessResult.Fail(Problems.Validation, "Every proof hash is base64url of 32 bytes.");
            proof.Add(Base64Url.DecodeFromChars(h));
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // One witness decision per peer log at a time, across replicas.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"audit-witness/" + origin}, 0))", ct);
        var latest = await db.AuditWitness.AsNoTracking().Where(w => w.Origin == origin)
            .OrderByDescending(w => w.TreeSize).FirstOrDefaultAsync(ct);
        if (latest is not null)
        {
            if (checkpoint.TreeSize < latest.TreeSize)
            {
                var same = await db.AuditWitness.AsNoTracking()
                    .SingleOrDefaultAsync(w => w.Origin == origin && w.TreeSize == checkpoint.TreeSize, ct);
                if (same is not null && same.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash))
                    return WitnessResult.Cosigned(same.CosignatureJws); // an older checkpoint we cosigned: same answer
                return await RefuseAsync(Problems.LogShrank, peer, client, checkpoint,
                    $"This node cosigned {latest.TreeSize} entries of {origin}; the checkpoint has {checkpoint.TreeSize}.");
            }
            if (checkpoint.TreeSize == latest.TreeSize)
            {
                return latest.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash)
                    ? WitnessResult.Cosigned(latest.CosignatureJws)
                    : await RefuseAsync(Problems.LogForked, peer, client, checkpoint,
                        $"This node cosigned another root for {latest.TreeSize} entries of {origin}.");
            }
            if (request.FromSize != latest.TreeSize)
                return WitnessResult.Fail(Problems.WitnessSizeMismatch, $"Send a proof from size {latest.TreeSize}.", latest.TreeSize);
            if (!MerkleVerifier.VerifyConsistency(latest.TreeSize, checkpoint.TreeSize, latest.RootHash, checkpoint.RootHash, proof))
                return await RefuseAsync(Problems.LogForked, peer, client, checkpoint,
                    $"The log of {origin} at {checkpoint.TreeSize} entries does not extend the {latest.TreeSize} this node cosigned.");
        }
        else if (request.FromSize != 0)
        {
            return WitnessResult.Fail(Problems.WitnessSizeMismatch, "This node has not cosigned this log yet: send a proof from size 0.", 0);
        }

        var cosignature = Checkpoint.Cosign(request.Checkpoint, keys.Signing);
        db.AuditWitness.Add(new AuditWitnessRecord
        {
            Origin = origin,
            TreeSize = checkpoint.TreeSize,
            RootHash = checkpoint.RootHash,
            CheckpointJws = request.Checkpoint,
            CosignatureJws = cosignature,
            CosignedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return WitnessResult.Cosigned(cosignature);
    }

    private async Task<WitnessResult> RefuseAsync(ProblemKind problem, string peer, string client, Checkpoint checkpoint, string detail)
    {
        log.LogError("Security event: checkpoint of {Peer} at size {TreeSize} refused ({Code})", peer, checkpoint.TreeSize, problem.Code);
        await db.RollBackBeforeOwnConnectionAsync(CancellationToken.None); // nothing is cosigned
        await audit.SecurityEventAsync(new(AuditKinds.SecurityWitnessRefused)
        {
            Client = client, Code = problem.Code, Peer = peer,
            Detail = $"treeSize={checkpoint.TreeSize} rootHash={AuditEntry.Encode(checkpoint.RootHash)}",
        }, CancellationToken.None);
        return WitnessResult.Fail(problem, detail);
    }
}

public sealed record WitnessResult(string? Cosignature, ProblemKind? Problem, string? Detail, long? WitnessedSize)
{
    public static WitnessResult Cosigned(string jws) => new(jws, null, null, null);
    public static WitnessResult Fail(ProblemKind problem, string? detail, long? witnessedSize = null) => new(null, problem, detail, witnessedSize);
}
