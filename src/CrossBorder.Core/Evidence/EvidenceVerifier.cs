using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Evidence;

/// <summary>
/// Verifies an evidence pack offline (no database, no network) in the order docs/evidence-pack.md gives, and stops at
/// the first thing that does not hold, naming the part (<c>messages[2].receipt</c>, <c>auditEntries[0].inclusionProof</c>,
/// <c>keys[1]</c>, <c>manifest</c>...). Everything it checked is listed, so a reader sees what a pass means.
/// </summary>
/// <remarks>
/// The keys a pack carries are those its producer states. A court should compare them (their RFC 7638 thumbprints are
/// listed in the checks) with keys it obtained from each node independently: a pack proves what its keys signed.
/// </remarks>
public static class EvidenceVerifier
{
    /// <summary>The largest pack read (bytes).</summary>
    public const int MaxPackLength = 256 * 1024 * 1024;

    public static EvidenceVerification Verify(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxPackLength)
            return EvidenceVerification.Failed([], [], new EvidenceFailure("pack", $"larger than {MaxPackLength} bytes"));
        EvidencePack? pack;
        try
        {
            pack = JsonSerializer.Deserialize<EvidencePack>(json, EvidenceFormat.Json);
        }
        catch (JsonException e)
        {
            // The path names where the structure breaks; the exception text (which may quote content) is not repeated.
            return EvidenceVerification.Failed([], [], new EvidenceFailure(PartOf(e.Path), "is not valid for format " + EvidenceFormat.Version +
                $" (a member is missing, unknown, null or of the wrong type{(e.Path is null ? "" : $" at {e.Path}")})"));
        }
        return pack is null
            ? EvidenceVerification.Failed([], [], new EvidenceFailure("pack", "is null"))
            : Verify(pack);
    }

    public static EvidenceVerification Verify(EvidencePack pack)
    {
        var run = new Run(pack);
        try
        {
            run.All();
            return new EvidenceVerification(true, run.Checks, run.Notes, null, run.Manifest);
        }
        catch (EvidenceFormat.PartException e)
        {
            return new EvidenceVerification(false, run.Checks, run.Notes, new EvidenceFailure(e.Part, e.Reason), run.Manifest);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or CryptographicException or InvalidOperationException)
        {
            // A shape the checks above did not foresee: still a refusal, never a crash (the exception text is not repeated).
            return new EvidenceVerification(false, run.Checks, run.Notes, new EvidenceFailure("pack", $"cannot be read ({e.GetType().Name})"), run.Manifest);
        }
    }

    /// <summary>Maps a JSON path (<c>$.messages[2].receipt</c>) to the part it falls in.</summary>
    private static string PartOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return "pack";
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        return p.StartsWith("keys[", StringComparison.Ordinal) && p.IndexOf(']') is var end and > 0 ? p[..(end + 1)] : p;
    }

    private sealed class Run(EvidencePack pack)
    {
        public List<string> Checks { get; } = [];
        public List<string> Notes { get; } = [];
        public EvidenceManifest? Manifest { get; private set; }

        private readonly List<(EvidenceKey Key, ECDsa Ecdsa, DateTimeOffset? From, DateTimeOffset? Until)> _keys = [];
        private string _producer = "", _peer = "";
        private Checkpoint _checkpoint = null!;
        private readonly List<(long Size, DateTimeOffset Time, string Name)> _anchors = [];
        private readonly List<AuditEntry> _entries = [];

        public void All()
        {
            if (pack.Format != EvidenceFormat.Version)
                Fail("format", $"is '{Short(pack.Format)}', not '{EvidenceFormat.Version}'");
            if (pack.Messages.Count > EvidenceFormat.MaxMessages)
                Fail("messages", $"more than {EvidenceFormat.MaxMessages}");
            if (pack.AuditEntries.Count > EvidenceFormat.MaxAuditEntries)
                Fail("auditEntries", $"more than {EvidenceFormat.MaxAuditEntries}");
            if (pack.EarlierCheckpoints.Count > EvidenceFormat.MaxAuditEntries)
                Fail("earlierCheckpoints", $"more than {EvidenceFormat.MaxAuditEntries}");
            if (pack.Keys.Count > EvidenceFormat.MaxKeys)
                Fail("keys", $"more than {EvidenceFormat.MaxKeys}");
            NoNulls();
            var parts = EvidenceFormat.Parts(pack); // decoding errors name their part
            ReadKeys();
            var (manifest, manifestKid) = ReadManifest();
            CheckPartNames(manifest, parts);
            CheckKeyDigests(manifest, parts, manifestKid);
            VerifyManifest(manifest, manifestKid);
            CheckDigests(manifest, parts);
            VerifyCheckpoint();
            VerifyEarlierCheckpoints();
            VerifyAuditEntries();
            VerifyMessages();
        }

        /// <summary>The serializer refuses null members, not null list items: those are named here.</summary>
        private void NoNulls()
        {
            static void Items<T>(IReadOnlyList<T> list, string name)
            {
                for (var i = 0; i < list.Count; i++)
                    if (list[i] is null) Fail($"{name}[{i}]", "is null");
            }
            Items(pack.Messages, "messages");
            Items(pack.AuditEntries, "auditEntries");
            Items(pack.EarlierCheckpoints, "earlierCheckpoints");
            Items(pack.Keys, "keys");
            for (var i = 0; i < pack.AuditEntries.Count; i++)
                Items(pack.AuditEntries[i].InclusionProof, $"auditEntries[{i}].inclusionProof");
            for (var k = 0; k < pack.EarlierCheckpoints.Count; k++)
                Items(pack.EarlierCheckpoints[k].ConsistencyProof, $"earlierCheckpoints[{k}].consistencyProof");
        }

        private void ReadKeys()
        {
            var kids = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < pack.Keys.Count; i++)
            {
                var k = pack.Keys[i];
                var name = $"keys[{i}]";
                if (k.Node.Length != 2 || !k.Node.All(char.IsAsciiLetterUpper))
                    Fail(name, "'node' is not an ISO 3166-1 alpha-2 code");
                if (k.Jwk.Kty != "EC" || k.Jwk.Crv != "P-256" || k.Jwk.Alg is not (null or Jws.Algorithm) || k.Jwk.Use is not (null or "sig"))
                    Fail(name, "is not an EC P-256 signing key for ES256 (kty EC, crv P-256, alg ES256, use sig)");
                if (string.IsNullOrEmpty(k.Jwk.Kid) || k.Jwk.Kid.Any(char.IsControl) || !kids.Add(k.Jwk.Kid))
                    Fail(name, "has an empty or repeated 'kid'");
                DateTimeOffset? from = null, until = null;
                if (k.ValidFrom is not null && (from = EvidenceFormat.ParseTime(k.ValidFrom)) is null)
                    Fail(name, "'validFrom' is not an RFC 3339 UTC instant");
                if (k.ValidUntil is not null && (until = EvidenceFormat.ParseTime(k.ValidUntil)) is null)
                    Fail(name, "'validUntil' is not an RFC 3339 UTC instant");
                if (from is not null && until is not null && until <= from)
                    Fail(name, "'validUntil' is not after 'validFrom'");
                ECDsa ecdsa;
                try
                {
                    if (EvidenceFormat.Base64(k.Jwk.X, name).Length != 32 || EvidenceFormat.Base64(k.Jwk.Y, name).Length != 32)
                        Fail(name, "'x' and 'y' must be 32 bytes each");
                    ecdsa = k.Jwk.ToECDsa();
                }
                catch (CryptographicException)
                {
                    Fail(name, "'x' and 'y' are not a point of P-256");
                    throw; // unreachable
                }
                _keys.Add((k, ecdsa, from, until));
            }
        }

        private (EvidenceManifest Manifest, string Kid) ReadManifest()
        {
            var segments = pack.Manifest.Split('.');
            if (segments.Length != 3)
                Fail("manifest", "is not a JWS compact serialization (three dot-separated parts)");
            EvidenceManifest? manifest;
            string? kid;
            try
            {
                using var header = JsonDocument.Parse(EvidenceFormat.Base64(segments[0], "manifest"));
                kid = header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty("kid", out var k)
                    && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                manifest = JsonSerializer.Deserialize<EvidenceManifest>(EvidenceFormat.Base64(segments[1], "manifest"), EvidenceFormat.Json);
            }
            catch (JsonException)
            {
                Fail("manifest", "its header or payload is not valid JSON of the manifest's shape");
                throw; // unreachable
            }
            if (manifest is null || kid is null)
                Fail("manifest", "names no signing key ('kid') or has an empty payload");
            if (manifest!.Format != EvidenceFormat.Version)
                Fail("manifest", $"states format '{Short(manifest.Format)}', not '{EvidenceFormat.Version}'");
            Manifest = manifest;
            return (manifest, kid!);
        }

        private static void CheckPartNames(EvidenceManifest manifest, IReadOnlyList<EvidenceFormat.Part> parts)
        {
            for (var i = 0; i < Math.Max(parts.Count, manifest.Parts.Count); i++)
            {
                if (i >= manifest.Parts.Count)
                    Fail(parts[i].Name, "is in the pack but not in the manifest");
                if (i >= parts.Count)
                    Fail(manifest.Parts[i].Name, "is in the manifest but not in the pack");
                if (manifest.Parts[i].Name != parts[i].Name)
                {
                    // Whichever list has the part the other lacks is named.
                    var inPack = parts.Any(p => p.Name == manifest.Parts[i].Name);
                    Fail(inPack ? parts[i].Name : manifest.Parts[i].Name,
                        inPack ? "is in the pack but not in the manifest" : "is in the manifest but not in the pack");
                }
            }
        }

        /// <summary>
        /// Keys first: the manifest is verified with one of them. When a key differs from its manifest entry, the culprit is
        /// told apart by the manifest's own key (its kid and point are intact, or it would not be found): if the manifest does
        /// not verify with it, the manifest was altered (its entry for a key, say); if it does, the key was.
        /// </summary>
        private void CheckKeyDigests(EvidenceManifest manifest, IReadOnlyList<EvidenceFormat.Part> parts, string manifestKid)
        {
            for (var i = 0; i < pack.Keys.Count; i++)
            {
                var name = $"keys[{i}]";
                var listed = manifest.Parts.Single(p => p.Name == name).Sha256;
                var actual = EvidenceFormat.Encode(parts.Single(p => p.Name == name).Sha256);
                if (listed == actual) continue;
                if (_keys.FirstOrDefault(k => k.Key.Jwk.Kid == manifestKid && k.Key.Node == manifest.Producer).Key is { } own
                    && !Jws.Verify(pack.Manifest, EvidenceFormat.ManifestType, new KeyRing([own.Jwk])).IsValid)
                    Fail("manifest", $"its signature does not verify with the key it names ('{manifestKid}' of {manifest.Producer})");
                Fail(name, $"SHA-256 {actual} does not match the manifest's {Short(listed)}");
            }
            Checks.Add($"keys: {pack.Keys.Count} P-256 keys, each matching the manifest's SHA-256");
        }

        private void VerifyManifest(EvidenceManifest manifest, string kid)
        {
            _producer = manifest.Producer;
            var producerKeys = KeysOf(_producer);
            if (producerKeys.Count == 0)
                Fail("manifest", $"its producer '{Short(_producer)}' has no key in the pack");
            var v = Jws.Verify(pack.Manifest, EvidenceFormat.ManifestType, new KeyRing(producerKeys.Select(k => k.Key.Jwk)));
            if (!v.IsValid)
                Fail("manifest", v.Failure == JwsFailure.UnknownKey
                    ? $"is signed with key '{Short(kid)}', which the pack does not list as a key of {_producer}"
                    : $"its signature does not verify with {_producer}'s key '{Short(kid)}' ({v.Error})");
            var created = EvidenceFormat.ParseTime(manifest.CreatedAt) ?? Fail<DateTimeOffset>("manifest", "'createdAt' is not an RFC 3339 UTC instant");
            WithinValidity("manifest", kid, created, "created");
            var peers = pack.Keys.Select(k => k.Node).Where(n => n != _producer).Distinct().ToList();
            if (peers.Count != 1)
                Fail("keys", $"must hold the keys of exactly one node besides the producer {_producer}; found {peers.Count}");
            _peer = peers[0];
            Checks.Add($"manifest: ES256 signature by {_producer} key '{kid}' verifies; referral {manifest.ReferralId}, created {manifest.CreatedAt}, " +
                $"personal data {(manifest.PersonalData ? "included" : "not included")}");
            foreach (var (key, _, _, _) in _keys)
                Checks.Add($"key {key.Node} '{key.Jwk.Kid}': RFC 7638 thumbprint {Thumbprint(key)}, valid from {key.ValidFrom ?? "(open)"} until {key.ValidUntil ?? "(open)"}");
        }

        private void CheckDigests(EvidenceManifest manifest, IReadOnlyList<EvidenceFormat.Part> parts)
        {
            for (var i = 0; i < parts.Count; i++)
            {
                var actual = EvidenceFormat.Encode(parts[i].Sha256);
                if (manifest.Parts[i].Sha256 != actual)
                    Fail(parts[i].Name, $"SHA-256 {actual} does not match the manifest's {Short(manifest.Parts[i].Sha256)}");
            }
            Checks.Add($"parts: the SHA-256 of all {parts.Count} parts matches the signed manifest");
        }

        private void VerifyCheckpoint()
        {
            _checkpoint = CheckpointOf(pack.Checkpoint.Jws, pack.Checkpoint.Cosignature, "checkpoint");
            Checks.Add($"checkpoint: {_producer}'s log 'crossborder/{_producer}' at size {_checkpoint.TreeSize}, root {EvidenceFormat.Encode(_checkpoint.RootHash)}, " +
                $"time {EvidenceFormat.FormatTime(_checkpoint.Time)}: signed by {_producer}, cosigned by {_peer}");
        }

        private void VerifyEarlierCheckpoints()
        {
            long previous = 0;
            for (var k = 0; k < pack.EarlierCheckpoints.Count; k++)
            {
                var c = pack.EarlierCheckpoints[k];
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
            for (var i = 0; i < pack.AuditEntries.Count; i++)
            {
                var e = pack.AuditEntries[i];
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

        private void VerifyMessages()
        {
            var digests = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < pack.Messages.Count; i++)
            {
                var m = pack.Messages[i];
                var name = $"messages[{i}]";
                if ((m.Jws is not null) != Manifest!.PersonalData)
                    Fail(name, Manifest.PersonalData ? "has no 'jws' though the manifest says personal data is included" : "has a 'jws' though the manifest says personal data is not included");
                string digest;
                MessageEnvelope? envelope = null;
                if (m.Jws is not null)
                {
                    digest = Jws.Digest(m.Jws);
                    envelope = VerifyMessage(m.Jws, name);
                }
                else
                {
                    digest = m.Sha256!;
                }
                if (!digests.TryAdd(digest, i))
                    Fail(name, $"is the same message as messages[{digests[digest]}]");
                var logged = _entries.Where(e => e.Digest == digest && e.Kind is AuditKinds.MessageSent or AuditKinds.MessageReceived).ToList();
                if (envelope is not null && logged.FirstOrDefault() is { } l && (l.MessageId != envelope.Id || l.MessageType != envelope.Type))
                    Fail(name, $"is message {envelope.Id} ({envelope.Type}), but the log records its digest for message {l.MessageId} ({l.MessageType})");
                if (logged.Count == 0)
                    Notes.Add($"{name}: no audit entry in this pack records it (recorded after the checkpoint?)");
                else
                    Checks.Add($"{name}: recorded in the log as {logged[0].Kind} ({logged[0].MessageType}, message {logged[0].MessageId}) at entry {logged[0].Index}");

                if (m.Receipt is null)
                {
                    if (_entries.FirstOrDefault(e => e.Digest == digest && e.ReceiptDigest is not null) is { } r)
                        Fail($"{name}.receipt", $"is missing, but log entry {r.Index} records its receipt {r.ReceiptDigest}");
                    Notes.Add($"{name}: no receipt (not delivered when the pack was made)");
                    continue;
                }
                VerifyReceipt(m.Receipt, $"{name}.receipt", digest, envelope);
            }
            // Completeness against the log: every message the case's log entries name must be in the pack.
            foreach (var e in _entries.Where(e => e.Digest is not null && e.Kind is AuditKinds.MessageSent or AuditKinds.MessageReceived or AuditKinds.MessageDelivered))
            {
                if (!digests.TryGetValue(e.Digest!, out var j))
                    Fail("messages", $"lack message {e.MessageId} ({e.MessageType}), which log entry {e.Index} records with digest {e.Digest}");
                if (e.ReceiptDigest is not null && pack.Messages[j].Receipt is { } receipt && Jws.Digest(receipt) != e.ReceiptDigest)
                    Fail($"messages[{j}].receipt", $"is not the receipt log entry {e.Index} records (digest {e.ReceiptDigest})");
            }
            Checks.Add($"messages: {pack.Messages.Count} messages; every message the case's audit entries record is in the pack");
        }

        private MessageEnvelope VerifyMessage(string jws, string name)
        {
            var envelope = Payload<MessageEnvelope>(jws, name, "message");
            if (envelope.ReferralId != Manifest!.ReferralId)
                Fail(name, $"is a message of referral {envelope.ReferralId}, not {Manifest.ReferralId}");
            if (!IsPair(envelope.From, envelope.To))
                Fail(name, $"goes from '{Short(envelope.From)}' to '{Short(envelope.To)}', not between {_producer} and {_peer}");
            var v = Jws.Verify(jws, JwsTypes.Message, new KeyRing(KeysOf(envelope.From).Select(k => k.Key.Jwk)));
            if (!v.IsValid)
                Fail(name, $"does not verify with {envelope.From}'s keys ({v.Error})");
            WithinValidity(name, v.Header!.Kid, envelope.SentAt, "sent");
            Checks.Add($"{name}: {envelope.Type} seq {envelope.Seq} ({envelope.Id}) from {envelope.From} to {envelope.To}, sent {EvidenceFormat.FormatTime(envelope.SentAt)}: " +
                $"ES256 signature by {envelope.From} key '{v.Header.Kid}' verifies");
            return envelope;
        }

        private void VerifyReceipt(string jws, string name, string digest, MessageEnvelope? envelope)
        {
            var receipt = Payload<Receipt>(jws, name, "receipt");
            if (!IsPair(receipt.Receiver, receipt.Receiver == _producer ? _peer : _producer))
                Fail(name, $"names receiver '{Short(receipt.Receiver)}', neither {_producer} nor {_peer}");
            var v = Jws.Verify(jws, JwsTypes.Receipt, new KeyRing(KeysOf(receipt.Receiver).Select(k => k.Key.Jwk)));
            if (!v.IsValid)
                Fail(name, $"does not verify with {receipt.Receiver}'s keys ({v.Error})");
            if (receipt.Digest != digest)
                Fail(name, $"acknowledges digest {Short(receipt.Digest)}, not the message's {digest}");
            if (envelope is not null && (receipt.MessageId != envelope.Id || receipt.Receiver != envelope.To))
                Fail(name, $"acknowledges message {receipt.MessageId} received by {receipt.Receiver}, not message {envelope.Id} sent to {envelope.To}");
            if (receipt.Outcome is not (ReceiptOutcomes.Accepted or ReceiptOutcomes.Duplicate))
                Fail(name, $"has outcome '{Short(receipt.Outcome)}', neither accepted nor duplicate");
            WithinValidity(name, v.Header!.Kid, receipt.ReceivedAt, "signed");
            Checks.Add($"{name}: {receipt.Outcome} by {receipt.Receiver} at {EvidenceFormat.FormatTime(receipt.ReceivedAt)} for digest {digest}: " +
                $"ES256 signature by {receipt.Receiver} key '{v.Header.Kid}' verifies");
        }

        private T Payload<T>(string jws, string name, string what)
        {
            try { return ExchangeJson.Deserialize<T>(Jws.UnverifiedPayload(jws)); }
            catch (Exception e) when (e is JsonException or FormatException or IndexOutOfRangeException or NotSupportedException)
            {
                Fail(name, $"is not a JWS whose payload is a {what} of the exchange format");
                throw; // unreachable
            }
        }

        private bool IsPair(string a, string b) => (a == _producer && b == _peer) || (a == _peer && b == _producer);

        private List<(EvidenceKey Key, ECDsa Ecdsa, DateTimeOffset? From, DateTimeOffset? Until)> KeysOf(string node) =>
            _keys.Where(k => k.Key.Node == node).ToList();

        private void WithinValidity(string part, string kid, DateTimeOffset at, string verb)
        {
            var k = _keys.Single(k => k.Key.Jwk.Kid == kid);
            if ((k.From is { } from && at < from) || (k.Until is { } until && at >= until))
                Fail(part, $"{verb} at {EvidenceFormat.FormatTime(at)}, outside the validity of key '{kid}' " +
                    $"({k.Key.ValidFrom ?? "open"} to {k.Key.ValidUntil ?? "open"})");
        }

        private static string Thumbprint(EvidenceKey key) =>
            EvidenceFormat.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                $"{{\"crv\":\"{key.Jwk.Crv}\",\"kty\":\"{key.Jwk.Kty}\",\"x\":\"{key.Jwk.X}\",\"y\":\"{key.Jwk.Y}\"}}")));

        private static string Short(string? s) => s is null ? "(null)" : s.Length > 80 ? s[..80] + "…" : s;

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        private static void Fail(string part, string reason) => throw new EvidenceFormat.PartException(part, reason);

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        private static T Fail<T>(string part, string reason) => throw new EvidenceFormat.PartException(part, reason);
    }
}

/// <summary>The part that did not hold and what did not hold about it.</summary>
public sealed record EvidenceFailure(string Part, string Reason)
{
    public override string ToString() => $"{Part}: {Reason}";
}

/// <summary>The outcome: every check passed (in order), notes that are not failures, and the first failure.</summary>
public sealed record EvidenceVerification(bool IsValid, IReadOnlyList<string> Checks, IReadOnlyList<string> Notes, EvidenceFailure? Failure,
    EvidenceManifest? Manifest)
{
    public static EvidenceVerification Failed(IReadOnlyList<string> checks, IReadOnlyList<string> notes, EvidenceFailure failure) =>
        new(false, checks, notes, failure, null);
}
