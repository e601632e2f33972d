using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Evidence;

/// <summary>The checkpoints and the audit log: signatures, cosignatures, consistency and inclusion proofs.</summary>
internal sealed partial class EvidenceCheck
{
    private void VerifyCheckpoint()
    {
        _checkpoint = CheckpointOf(_pack.Checkpoint.Jws, _pack.Checkpoint.Cosignature, "checkpoint");
        Checks.Add($"checkpoint: {_producer}'s log 'crossborder/{_producer}' at size {_checkpoint.TreeSize}, root {EvidenceFormat.Encode(_checkpoint.RootHash)}, " +
            $"time {EvidenceFormat.FormatTime(_checkpoint.Time)}: signed by {_producer}, cosigned by {_peer}");
    }

    private void VerifyEarlierCheckpoints()
    {
        long previous = 0;
        for (var k = 0; k < _pack.EarlierCheckpoints.Count; k++)
        {
            var c = _pack.EarlierCheckpoints[k];
            var name = $"earlierCheckpoints[{k}]";
            var earlier = CheckpointOf(c.Jws, c.Cosignature, name);
            if (earlier.TreeSize <= previous || earlier.TreeSize >= _checkpoint.TreeSize)
                Fail($"{name}.jws", $"its size {earlier.TreeSize} is not between the previous one's ({previous}) and the checkpoint's ({_checkpoint.TreeSize})");
            var proof = c.ConsistencyProof.Select(h => EvidenceFormat.Base64(h, $"{name}.consistencyProof")).ToList();
            if (!MerkleVerifier.VerifyConsistency(earlier.TreeSize, _checkpoint.TreeSize, earlier.RootHash, _checkpoint.RootHash, proof))
                Fail($"{name}.consistencyProof", $"does not prove that the log at size {_checkpoint.TreeSize} extends the log at size {earlier.TreeSize} (RFC 9162 §2.1.4.2)");
            previous = earlier.TreeSize;
            _anchors.Add((earlier.TreeSize, earlier.Time, name));
            Checks.Add($"{name}: size {earlier.TreeSize} at {EvidenceFormat.FormatTime(earlier.Time)}, signed by {_producer}, cosigned by {_peer}, " +
                $"consistent with the checkpoint ({proof.Count} hashes)");
        }
        _anchors.Add((_checkpoint.TreeSize, _checkpoint.Time, "checkpoint"));
    }

    private Checkpoint CheckpointOf(string jws, string cosignature, string name)
    {
        var v = Jws.Verify(jws, Checkpoint.Type, new KeyRing(KeysOf(_producer).Select(k => k.Key.Jwk)));
        if (!v.IsValid)
            Fail($"{name}.jws", $"does not verify with {_producer}'s keys ({v.Error})");
        var checkpoint = Checkpoint.Parse(v.Payload!, out var error) ?? Fail<Checkpoint>($"{name}.jws", error ?? "payload is not valid");
        if (checkpoint.Origin != Checkpoint.OriginOf(_producer))
            Fail($"{name}.jws", $"is of log '{Short(checkpoint.Origin)}', not '{Checkpoint.OriginOf(_producer)}'");
        WithinValidity($"{name}.jws", v.Header!.Kid, checkpoint.Time, "signed");
        var c = Jws.Verify(cosignature, Checkpoint.CosignatureType, new KeyRing(KeysOf(_peer).Select(k => k.Key.Jwk)));
        if (!c.IsValid)
            Fail($"{name}.cosignature", $"does not verify with {_peer}'s keys ({c.Error})");
        if (!c.Payload!.AsSpan().SequenceEqual(v.Payload))
            Fail($"{name}.cosignature", "covers another checkpoint: its payload is not the checkpoint's payload byte for byte");
        WithinValidity($"{name}.cosignature", c.Header!.Kid, checkpoint.Time, "cosigned");
        return checkpoint;
    }

    private void VerifyAuditEntries()
    {
        long last = -1;
        for (var i = 0; i < _pack.AuditEntries.Count; i++)
        {
            var e = _pack.AuditEntries[i];
            var name = $"auditEntries[{i}]";
            var leaf = EvidenceFormat.Base64(e.Leaf, $"{name}.leaf");
            AuditEntry entry;
            try { entry = AuditEntry.FromLeaf(leaf); }
            catch (FormatException ex) { Fail($"{name}.leaf", ex.Message); throw; }
            if (entry.ReferralId != Manifest!.ReferralId)
                Fail($"{name}.leaf", $"is an entry of {(entry.ReferralId is null ? "no referral" : $"referral {entry.ReferralId}")}, not of {Manifest.ReferralId}");
            if (entry.Index <= last)
                Fail($"{name}.leaf", $"index {entry.Index} does not follow the previous entry's {last}");
            if (entry.Index >= _checkpoint.TreeSize)
                Fail($"{name}.leaf", $"index {entry.Index} is beyond the checkpoint's size {_checkpoint.TreeSize}");
            var path = e.InclusionProof.Select(h => EvidenceFormat.Base64(h, $"{name}.inclusionProof")).ToList();
            if (!MerkleVerifier.VerifyInclusion(MerkleHash.Leaf(leaf), entry.Index, _checkpoint.TreeSize, path, _checkpoint.RootHash))
                Fail($"{name}.inclusionProof", $"does not prove leaf {entry.Index} in the checkpoint's tree of size {_checkpoint.TreeSize} (RFC 9162 §2.1.3.2)");
            var anchor = _anchors.First(a => entry.Index < a.Size);
            if (entry.Time > anchor.Time)
                Fail($"{name}.leaf", $"is dated {EvidenceFormat.FormatTime(entry.Time)}, after {anchor.Name} ({EvidenceFormat.FormatTime(anchor.Time)}) that already holds it");
            last = entry.Index;
            _entries.Add(entry);
            Checks.Add($"{name}: entry {entry.Index} ({entry.Kind}, {EvidenceFormat.FormatTime(entry.Time)}) is in the log (inclusion proof of {path.Count} hashes)" +
                $"{(anchor.Name == "checkpoint" ? "" : $"; in the log by {EvidenceFormat.FormatTime(anchor.Time)} ({anchor.Name})")}");
        }
    }
}
