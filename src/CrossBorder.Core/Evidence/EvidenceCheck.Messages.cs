using System.Security.Cryptography;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Evidence;

/// <summary>Messages and receipts: who signed what, that receipts match their messages, and completeness against the log.</summary>
internal sealed partial class EvidenceCheck
{
    private void VerifyMessages()
    {
        var digests = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _pack.Messages.Count; i++)
        {
            var m = _pack.Messages[i];
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
                Notes.Add($"{name}: no audit entry in this _pack records it (recorded after the checkpoint?)");
            else
                Checks.Add($"{name}: recorded in the log as {logged[0].Kind} ({logged[0].MessageType}, message {logged[0].MessageId}) at entry {logged[0].Index}");

            if (m.Receipt is null)
            {
                if (_entries.FirstOrDefault(e => e.Digest == digest && e.ReceiptDigest is not null) is { } r)
                    Fail($"{name}.receipt", $"is missing, but log entry {r.Index} records its receipt {r.ReceiptDigest}");
                Notes.Add($"{name}: no receipt (not delivered when the _pack was made)");
                continue;
            }
            VerifyReceipt(m.Receipt, $"{name}.receipt", digest, envelope);
        }
        // Completeness against the log: every message the case's log entries name must be in the _pack.
        foreach (var e in _entries.Where(e => e.Digest is not null && e.Kind is AuditKinds.MessageSent or AuditKinds.MessageReceived or AuditKinds.MessageDelivered))
        {
            if (!digests.TryGetValue(e.Digest!, out var j))
                Fail("messages", $"lack message {e.MessageId} ({e.MessageType}), which log entry {e.Index} records with digest {e.Digest}");
            if (e.ReceiptDigest is not null && _pack.Messages[j].Receipt is { } receipt && Jws.Digest(receipt) != e.ReceiptDigest)
                Fail($"messages[{j}].receipt", $"is not the receipt log entry {e.Index} records (digest {e.ReceiptDigest})");
        }
        Checks.Add($"messages: {_pack.Messages.Count} messages; every message the case's audit entries record is in the _pack");
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
}
