using CrossBorder.Node.Configuration;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Telemetry;

/// <summary>
/// The validity of the node's signing keys (<c>Node:SigningKey:NotAfter</c>), for the expiry gauge, the readiness
/// warning and the daily log warning. The node's one key signs evidence (messages, receipts, checkpoints) and tokens
/// (access tokens, client assertions), so it is reported under both uses until token keys are separate.
/// </summary>
public sealed class KeyExpiry(IOptions<NodeOptions> node, IOptions<TelemetryOptions> options, TimeProvider time)
{
    public const string Evidence = "evidence";
    public const string Token = "token";

    /// <summary>Keys that have a validity period; a key without one has no series and never warns.</summary>
    public IEnumerable<KeyValidity> Keys()
    {
        var evidence = node.Value.SigningKey;
        var token = node.Value.TokenSigningKey ?? evidence;
        if (evidence.NotAfter is { } evidenceEnds)
            yield return new KeyValidity(evidence.Kid, Evidence, evidenceEnds);
        if (token.NotAfter is { } tokenEnds)
            yield return new KeyValidity(token.Kid, Token, tokenEnds);
    }

    public double DaysLeft(KeyValidity key) => (key.NotAfter - time.GetUtcNow()).TotalDays;

    /// <summary>Keys that expire within the warning window (or have expired).</summary>
    public IReadOnlyList<KeyValidity> Expiring() =>
        [.. Keys().Where(k => DaysLeft(k) <= options.Value.KeyExpiryWarningDays)];
}

public sealed record KeyValidity(string Kid, string Use, DateTimeOffset NotAfter);
