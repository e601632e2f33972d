using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using CrossBorder.Core.Signing;

namespace CrossBorder.Core.Audit;

/// <summary>
/// A signed statement of the log's state: JWS ES256, <c>typ: crossborder-checkpoint+jws</c>, payload
/// <c>{"origin","treeSize","rootHash" (base64url),"time" (RFC 3339 UTC)}</c>.
/// A witness's cosignature is a JWS with <c>typ: crossborder-cosignature+jws</c> whose payload is
/// byte-for-byte the checkpoint's payload, signed with the witness node's key: the witness states
/// "I saw this log at this size with this root, consistent with everything I saw before".
/// </summary>
public sealed record Checkpoint(string Origin, long TreeSize, byte[] RootHash, DateTimeOffset Time)
{
    public const string Type = "crossborder-checkpoint+jws";
    public const string CosignatureType = "crossborder-cosignature+jws";

    /// <summary>The log identity of a node's audit log.</summary>
    public static string OriginOf(string country) => $"crossborder/{country}";

    public byte[] ToPayload()
    {
        using var buffer = new MemoryStream(160);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("origin", Origin);
            w.WriteNumber("treeSize", TreeSize);
            w.WriteString("rootHash", Base64Url.EncodeToString(RootHash));
            w.WriteString("time", AuditEntry.FormatTime(Time));
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public string Sign(SigningKey key) => Jws.Sign(ToPayload(), key, Type);

    /// <summary>The witness's cosignature over the exact payload of <paramref name="checkpointJws"/>.</summary>
    public static string Cosign(string checkpointJws, SigningKey witnessKey) =>
        Jws.Sign(Jws.UnverifiedPayload(checkpointJws), witnessKey, CosignatureType);

    /// <summary>Verifies a checkpoint JWS with the log's keys and parses it; null with an error when it does not hold.</summary>
    public static Checkpoint? Verify(string jws, IKeyResolver logKeys, out string? error)
    {
        var v = Jws.Verify(jws, Type, logKeys);
        if (!v.IsValid)
        {
            error = $"checkpoint signature: {v.Error}";
            return null;
        }
        return Parse(v.Payload!, out error);
    }

    /// <summary>Whether <paramref name="cosignatureJws"/> is a valid cosignature of <paramref name="checkpointJws"/> by a witness key.</summary>
    public static bool VerifyCosignature(string checkpointJws, string cosignatureJws, IKeyResolver witnessKeys, out string? error)
    {
        var v = Jws.Verify(cosignatureJws, CosignatureType, witnessKeys);
        if (!v.IsValid)
        {
            error = $"cosignature: {v.Error}";
            return false;
        }
        byte[] payload;
        try { payload = Jws.UnverifiedPayload(checkpointJws); }
        catch (FormatException) { error = "checkpoint is not a JWS"; return false; }
        if (!v.Payload!.AsSpan().SequenceEqual(payload))
        {
            error = "the cosignature covers another checkpoint";
            return false;
        }
        error = null;
        return true;
    }

    public static Checkpoint? Parse(byte[] payload, out string? error)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var e = doc.RootElement;
            var root = Base64Url.DecodeFromChars(e.GetProperty("rootHash").GetString());
            var size = e.GetProperty("treeSize").GetInt64();
            if (root.Length != MerkleHash.Size || size < 0)
            {
                error = "checkpoint payload has an invalid root hash or size";
                return null;
            }
            error = null;
            return new Checkpoint(e.GetProperty("origin").GetString()!, size, root,
                DateTimeOffset.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentNullException)
        {
            error = "checkpoint payload is not valid";
            return null;
        }
    }
}
