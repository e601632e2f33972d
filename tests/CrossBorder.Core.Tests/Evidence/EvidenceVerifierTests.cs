using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Evidence;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Tests.Evidence;

/// <summary>
/// The verifier on a pack built here from Core alone (no node): two messages both ways with receipts, five log entries
/// (three of the case), a checkpoint at 5 cosigned by the peer and an earlier one at 2. Each rule, one failure each.
/// </summary>
public sealed class EvidenceVerifierTests
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 20, 9, 15, 0, TimeSpan.Zero);
    private static readonly Guid Referral = Guid.Parse("0199f3a0-6b1c-7d2e-8f3a-4b5c6d7e8f90");
    private static readonly SigningKey Fr = SigningKey.Generate("FR-2026-01");
    private static readonly SigningKey Gb = SigningKey.Generate("GB-2026-01");

    private sealed record Built(EvidencePack Pack, List<AuditEntry> Entries);

    /// <summary>The pack as FR makes it; <paramref name="change"/> alters the parts before sealing (as a lying producer would).</summary>
    private static EvidencePack Pack(Func<Built, Built>? change = null, string? frFrom = "2026-01-01T00:00:00.000Z",
        string? gbFrom = null, string? gbUntil = null, DateTimeOffset? m1At = null)
    {
        var (m1, r1) = Exchange(Fr, "FR", Gb, "GB", 1, m1At ?? T0);
        var (m2, r2) = Exchange(Gb, "GB", Fr, "FR", 1, T0.AddDays(3));
        var entries = new List<AuditEntry>
        {
            new(0, T0.AddSeconds(-5), AuditKinds.TokenIssued, Client: "fr-ministry"),
            new(1, T0, AuditKinds.MessageSent, ReferralId: Referral, MessageId: Id(m1), MessageType: MessageTypes.Submitted, Peer: "GB", Digest: Jws.Digest(m1)),
            new(2, T0.AddSeconds(1), AuditKinds.MessageDelivered, ReferralId: Referral, MessageId: Id(m1), MessageType: MessageTypes.Submitted,
                Peer: "GB", Digest: Jws.Digest(m1), ReceiptDigest: Jws.Digest(r1)),
            new(3, T0.AddDays(3), AuditKinds.MessageReceived, ReferralId: Referral, MessageId: Id(m2), MessageType: MessageTypes.Decided,
                Peer: "GB", Digest: Jws.Digest(m2), ReceiptDigest: Jws.Digest(r2)),
            new(4, T0.AddDays(3), AuditKinds.TokenIssued, Client: "gb-node"),
        };
        var built = new Built(new EvidencePack(EvidenceFormat.Version, "", [new(m1, null, r1), new(m2, null, r2)], [], null!, [],
            [
                new EvidenceKey("FR", frFrom, null, Fr.PublicJwk()),
                new EvidenceKey("GB", gbFrom, gbUntil, Gb.PublicJwk()),
            ]), entries);
        built = built with { Pack = WithLog(built.Pack, entries) };
        if (change is not null) built = change(built);
        return EvidencePackWriter.Seal(built.Pack, Referral, "FR", T0.AddDays(4), personalData: true, Fr);
    }

    private static EvidencePack WithLog(EvidencePack pack, List<AuditEntry> entries, long size = 5)
    {
        var hashes = entries.Select(e => e.LeafHash()).ToList();
        string Hash(byte[] h) => AuditEntry.Encode(h);
        var checkpoint = new Checkpoint(Checkpoint.OriginOf("FR"), size, MerkleTree.Root(hashes, size), T0.AddDays(3).AddSeconds(5)).Sign(Fr);
        var earlier = new Checkpoint(Checkpoint.OriginOf("FR"), 2, MerkleTree.Root(hashes, 2), T0.AddSeconds(5)).Sign(Fr);
        return pack with
        {
            AuditEntries = [.. entries.Where(e => e.ReferralId == Referral).Select(e =>
                new EvidenceAuditEntry(AuditEntry.Encode(e.ToLeaf()), [.. MerkleTree.InclusionProof(hashes, e.Index, size).Select(Hash)]))],
            Checkpoint = new EvidenceCheckpoint(checkpoint, Checkpoint.Cosign(checkpoint, Gb)),
            EarlierCheckpoints = [new EvidenceEarlierCheckpoint(earlier, Checkpoint.Cosign(earlier, Gb), [.. MerkleTree.ConsistencyProof(hashes, 2, size).Select(Hash)])],
        };
    }

    private static (string Message, string Receipt) Exchange(SigningKey sender, string from, SigningKey receiver, string to, int seq, DateTimeOffset at)
    {
        var envelope = new MessageEnvelope(Guid.CreateVersion7(at), from == "FR" ? MessageTypes.Submitted : MessageTypes.Decided, from, to, Referral, seq,
            at, "DUBLIN_III_ART8", JsonDocument.Parse("{}").RootElement);
        var message = Jws.Sign(ExchangeJson.Serialize(envelope), sender, JwsTypes.Message);
        var receipt = Jws.Sign(ExchangeJson.Serialize(new Receipt(envelope.Id, Jws.Digest(message), at.AddMilliseconds(300), to,
            ReceiptOutcomes.Accepted, 1)), receiver, JwsTypes.Receipt);
        return (message, receipt);
    }

    private static Guid Id(string message) => ExchangeJson.Deserialize<MessageEnvelope>(Jws.UnverifiedPayload(message)).Id;

    private static EvidenceFailure? Failure(EvidencePack pack) => EvidenceVerifier.Verify(pack).Failure;

    [Test]
    public void Verify_WellFormedPack_PassesAndListsItsChecks()
    {
        var result = EvidenceVerifier.Verify(Pack());
        Assert.That(result.Failure, Is.Null);
        Assert.That(result.IsValid, Is.True);
        Assert.That(result.Notes, Is.Empty);
        Assert.That(result.Checks, Has.Some.StartsWith("earlierCheckpoints[0]: size 2"));
        Assert.That(result.Checks, Has.Some.Contains("auditEntries[0]: entry 1 (message.sent").And.Some.Contains("in the log by 2026-10-20T09:15:05.000Z"));
        Assert.That(result.Checks, Has.Some.StartsWith("messages[1].receipt: accepted by FR"));
    }

    [Test]
    public void Verify_SerializedAndReadBack_Passes()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(Pack(), EvidenceFormat.Json);
        Assert.That(EvidenceVerifier.Verify(json).IsValid, Is.True);
    }

    [Test]
    public void Verify_NotJsonOrUnknownMember_NamesWhere()
    {
        Assert.That(EvidenceVerifier.Verify("not json"u8).Failure!.Part, Is.EqualTo("pack"));
        var node = JsonSerializer.SerializeToNode(Pack(), EvidenceFormat.Json)!;
        node["messages"]![0]!["extra"] = 1;
        Assert.That(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).Failure!.Part, Does.StartWith("messages[0]"));
        node = JsonSerializer.SerializeToNode(Pack(), EvidenceFormat.Json)!;
        node.AsObject().Remove("keys");
        Assert.That(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).IsValid, Is.False);
    }

    [Test]
    public void Verify_MessageSignedOutsideKeyValidity_NamesMessage()
    {
        // FR's key signs from 2026-01-01; the submission claims to be sent the day before.
        var failure = Failure(Pack(m1At: new DateTimeOffset(2025, 12, 31, 12, 0, 0, TimeSpan.Zero)));
        Assert.That(failure!.Part, Is.EqualTo("messages[0]"), failure.ToString());
        Assert.That(failure.Reason, Does.Contain("outside the validity"));
    }

    [Test]
    public void Verify_PeerKeyRetiredBeforeCheckpoint_NamesCosignature()
    {
        var failure = Failure(Pack(gbUntil: "2026-10-23T00:00:00.000Z"));
        Assert.That(failure!.Part, Is.EqualTo("checkpoint.cosignature"), failure.ToString());
    }

    [Test]
    public void Verify_ManifestSignedByThePeer_NamesManifest()
    {
        var pack = Pack();
        var forged = EvidencePackWriter.Seal(pack, Referral, "FR", T0.AddDays(4), true, Gb);
        Assert.That(Failure(forged)!.Part, Is.EqualTo("manifest"));
    }

    [Test]
    public void Verify_CosignatureByTheProducerItself_NamesCosignature()
    {
        var failure = Failure(Pack(b => b with { Pack = b.Pack with { Checkpoint = b.Pack.Checkpoint with { Cosignature = Checkpoint.Cosign(b.Pack.Checkpoint.Jws, Fr) } } }));
        Assert.That(failure!.Part, Is.EqualTo("checkpoint.cosignature"), failure.ToString());
    }

    [Test]
    public void Verify_EntryOfAnotherReferral_NamesLeaf()
    {
        var failure = Failure(Pack(b =>
        {
            var entries = b.Entries.Select(e => e.Index == 2 ? e with { ReferralId = Guid.NewGuid() } : e).ToList();
            var pack = WithLog(b.Pack, entries);
            // Keep the moved entry in the pack as if it were the case's.
            var hashes = entries.Select(e => e.LeafHash()).ToList();
            var all = new List<EvidenceAuditEntry>(pack.AuditEntries);
            all.Insert(1, new EvidenceAuditEntry(AuditEntry.Encode(entries[2].ToLeaf()), [.. MerkleTree.InclusionProof(hashes, 2, 5).Select(h => AuditEntry.Encode(h))]));
            return b with { Pack = pack with { AuditEntries = all } };
        }));
        Assert.That(failure!.Part, Is.EqualTo("auditEntries[1].leaf"), failure.ToString());
        Assert.That(failure.Reason, Does.Contain("not of " + Referral));
    }

    [Test]
    public void Verify_EntriesOutOfOrder_NamesLeaf()
    {
        var failure = Failure(Pack(b => b with { Pack = b.Pack with { AuditEntries = [.. b.Pack.AuditEntries.Reverse()] } }));
        Assert.That(failure!.Part, Is.EqualTo("auditEntries[1].leaf"), failure.ToString());
    }

    [Test]
    public void Verify_EarlierCheckpointNotAPrefix_NamesConsistencyProof()
    {
        var failure = Failure(Pack(b =>
        {
            var other = new Checkpoint(Checkpoint.OriginOf("FR"), 2, new byte[32], T0.AddSeconds(5)).Sign(Fr);
            var earlier = b.Pack.EarlierCheckpoints[0] with { Jws = other, Cosignature = Checkpoint.Cosign(other, Gb) };
            return b with { Pack = b.Pack with { EarlierCheckpoints = [earlier] } };
        }));
        Assert.That(failure!.Part, Is.EqualTo("earlierCheckpoints[0].consistencyProof"), failure.ToString());
    }

    [Test]
    public void Verify_EntryDatedAfterTheCheckpointHoldingIt_NamesLeaf()
    {
        var failure = Failure(Pack(b =>
        {
            var entries = b.Entries.Select(e => e.Index == 1 ? e with { Time = T0.AddMinutes(1) } : e).ToList();
            return b with { Pack = WithLog(b.Pack, entries), Entries = entries };
        }));
        Assert.That(failure!.Part, Is.EqualTo("auditEntries[0].leaf"), failure.ToString());
        Assert.That(failure.Reason, Does.Contain("earlierCheckpoints[0]"));
    }

    [Test]
    public void Verify_LoggedReceiptMissing_NamesReceipt()
    {
        var failure = Failure(Pack(b => b with { Pack = b.Pack with { Messages = [b.Pack.Messages[0] with { Receipt = null }, b.Pack.Messages[1]] } }));
        Assert.That(failure!.Part, Is.EqualTo("messages[0].receipt"), failure.ToString());
    }

    [Test]
    public void Verify_PersonalDataFlagContradictsMessages_NamesMessage()
    {
        var pack = Pack(b => b with { Pack = b.Pack with { Messages = [new EvidenceMessage(null, Jws.Digest(b.Pack.Messages[0].Jws!), b.Pack.Messages[0].Receipt), b.Pack.Messages[1]] } });
        Assert.That(Failure(pack)!.Part, Is.EqualTo("messages[0]"));
    }

    [Test]
    public void Verify_WithoutPersonalData_DigestsVerifyAgainstReceiptsAndLog()
    {
        var full = Pack();
        var redacted = full with { Messages = [.. full.Messages.Select(m => new EvidenceMessage(null, Jws.Digest(m.Jws!), m.Receipt))] };
        var sealedPack = EvidencePackWriter.Seal(redacted, Referral, "FR", T0.AddDays(4), personalData: false, Fr);
        var result = EvidenceVerifier.Verify(sealedPack);
        Assert.That(result.IsValid, Is.True, result.Failure?.ToString());
        // The manifest entries of the messages are the same in both packs: the message JWS's SHA-256.
        var manifest = JsonSerializer.Deserialize<EvidenceManifest>(Jws.UnverifiedPayload(full.Manifest), EvidenceFormat.Json)!;
        var redactedManifest = JsonSerializer.Deserialize<EvidenceManifest>(Jws.UnverifiedPayload(sealedPack.Manifest), EvidenceFormat.Json)!;
        Assert.That(redactedManifest.Parts.Where(p => p.Name.StartsWith("messages", StringComparison.Ordinal)),
            Is.EqualTo(manifest.Parts.Where(p => p.Name.StartsWith("messages", StringComparison.Ordinal))));
    }

    [Test]
    public void Verify_DuplicateKid_NamesKey()
    {
        var failure = Failure(Pack(b => b with { Pack = b.Pack with { Keys = [.. b.Pack.Keys, b.Pack.Keys[1]] } }));
        Assert.That(failure!.Part, Is.EqualTo("keys[2]"), failure.ToString());
    }

    [Test]
    public void Verify_PartMissingFromManifest_NamesPart()
    {
        var pack = Pack();
        var json = JsonSerializer.SerializeToNode(pack, EvidenceFormat.Json)!;
        json["keys"]!.AsArray().Add(JsonSerializer.SerializeToNode(new EvidenceKey("GB", null, null, SigningKey.Generate("GB-2027").PublicJwk()), EvidenceFormat.Json));
        var failure = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(json.ToJsonString())).Failure;
        Assert.That(failure!.Part, Is.EqualTo("keys[2]"), failure.ToString());
        Assert.That(failure.Reason, Does.Contain("not in the manifest"));
    }

    /// <summary>Any one byte of the file changed, anywhere: the pack never verifies and the verifier never throws.</summary>
    [Test]
    public void Verify_AnyByteChanged_FailsWithoutThrowing()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(Pack(), EvidenceFormat.Json);
        var random = new Random(14);
        var parts = new HashSet<string>();
        for (var n = 0; n < 3000; n++)
        {
            var copy = (byte[])json.Clone();
            var at = random.Next(copy.Length);
            copy[at] = (byte)(copy[at] ^ (1 << random.Next(8)));
            var result = EvidenceVerifier.Verify(copy);
            Assert.That(result.IsValid, Is.False, $"byte {at} changed went unnoticed");
            parts.Add(result.Failure!.Part);
        }
        // The failures name parts all over the file, not one catch-all.
        Assert.That(parts.Count, Is.GreaterThan(10), string.Join(", ", parts));
    }

    [Test]
    public void Verify_NullListItem_NamesIt()
    {
        var node = JsonSerializer.SerializeToNode(Pack(), EvidenceFormat.Json)!;
        node["auditEntries"]![1]!["inclusionProof"]![0] = null;
        Assert.That(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).Failure!.Part, Is.EqualTo("auditEntries[1].inclusionProof[0]"));
        node = JsonSerializer.SerializeToNode(Pack(), EvidenceFormat.Json)!;
        node["messages"]![1] = null;
        Assert.That(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).Failure!.Part, Is.EqualTo("messages[1]"));
    }

    /// <summary>The manifest's entry for the peer's key altered: the manifest is named, not the key.</summary>
    [Test]
    public void Verify_ManifestEntryOfAKeyAltered_NamesManifest()
    {
        var pack = Pack();
        var segments = pack.Manifest.Split('.');
        var manifest = JsonSerializer.Deserialize<EvidenceManifest>(Jws.UnverifiedPayload(pack.Manifest), EvidenceFormat.Json)!;
        var parts = manifest.Parts.Select(p => p.Name == "keys[1]" ? p with { Sha256 = "A" + p.Sha256[1..] } : p).ToList();
        var payload = System.Buffers.Text.Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(manifest with { Parts = parts }, EvidenceFormat.Json));
        var altered = pack with { Manifest = $"{segments[0]}.{payload}.{segments[2]}" };
        Assert.That(Failure(altered)!.Part, Is.EqualTo("manifest"));
        // The key itself altered (its validity): the key is named.
        var key = pack with { Keys = [pack.Keys[0], pack.Keys[1] with { ValidUntil = "2030-01-01T00:00:00.000Z" }] };
        Assert.That(Failure(key)!.Part, Is.EqualTo("keys[1]"));
    }

    /// <summary>
    /// The last base64url character of a leaf, a proof hash or a digest has unused low bits: a decoder may ignore them, so
    /// a changed character there would decode to the same bytes. Such a text is refused, naming its part.
    /// </summary>
    [Test]
    public void Verify_NonCanonicalBase64Url_NamesPart()
    {
        static string Bump(string text)
        {
            // The last character's lowest bit is unused in a 32-byte value (43 characters carry 258 bits).
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            return text[..^1] + alphabet[alphabet.IndexOf(text[^1]) | 1];
        }
        var node = JsonSerializer.SerializeToNode(Pack(), EvidenceFormat.Json)!;
        node["auditEntries"]![0]!["inclusionProof"]![0] = Bump(node["auditEntries"]![0]!["inclusionProof"]![0]!.GetValue<string>());
        var failure = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).Failure;
        Assert.That(failure!.Part, Is.EqualTo("auditEntries[0].inclusionProof"), failure.ToString());

        var redacted = Pack() with { Messages = [.. Pack().Messages.Select(m => new EvidenceMessage(null, Jws.Digest(m.Jws!), m.Receipt))] };
        redacted = EvidencePackWriter.Seal(redacted, Referral, "FR", T0.AddDays(4), personalData: false, Fr);
        node = JsonSerializer.SerializeToNode(redacted, EvidenceFormat.Json)!;
        node["messages"]![1]!["sha256"] = Bump(node["messages"]![1]!["sha256"]!.GetValue<string>());
        Assert.That(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).Failure!.Part, Is.EqualTo("messages[1]"));

        // Every leaf in the pack, its last character moved to the next one (the bits it carries may be partly unused).
        var pack = Pack();
        for (var i = 0; i < pack.AuditEntries.Count; i++)
        {
            node = JsonSerializer.SerializeToNode(pack, EvidenceFormat.Json)!;
            var leaf = node["auditEntries"]![i]!["leaf"]!.GetValue<string>();
            node["auditEntries"]![i]!["leaf"] = leaf[..^1] + (leaf[^1] == 'A' ? 'B' : (char)(leaf[^1] ^ 1));
            Assert.That(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(node.ToJsonString())).IsValid, Is.False, $"leaf {i}");
        }
    }
}
