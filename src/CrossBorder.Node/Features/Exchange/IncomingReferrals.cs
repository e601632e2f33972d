using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Referrals;
using CrossBorder.Node.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Features.Exchange;

/// <summary>Applies a verified message from the peer to this node's copy of the referral.</summary>
public sealed class IncomingReferrals(NodeDbContext db, NodeKeys keys, IOptions<NodeOptions> node)
{
    public async Task<ApplyResult> ApplyAsync(MessageEnvelope envelope, DateTimeOffset now, CancellationToken ct)
    {
        var referral = await db.Referrals.SingleOrDefaultAsync(r => r.Id == envelope.ReferralId, ct);
        if (envelope.Type == MessageTypes.Submitted)
            return referral is null
                ? await CreateAsync(envelope, now, ct)
                : ApplyResult.Fail(Problems.OutOfSequence, "This referral was already submitted.");

        if (referral is null)
            return ApplyResult.Fail(Problems.UnknownReferral, null);
        if (envelope.Seq != referral.LastIncomingSeq + 1)
            return ApplyResult.Fail(Problems.OutOfSequence, $"Expected seq {referral.LastIncomingSeq + 1}.");
        return ApplyResult.Fail(Problems.MessageInvalid, $"Message type '{envelope.Type}' is not supported by this node.");
    }

    private async Task<ApplyResult> CreateAsync(MessageEnvelope envelope, DateTimeOffset now, CancellationToken ct)
    {
        if (envelope.Seq != 1)
            return ApplyResult.Fail(Problems.OutOfSequence, "A submission is the first message of its referral (seq 1).");
        SubmissionBody? body;
        try { body = envelope.Body.Deserialize<SubmissionBody>(ReferralJson.Options); }
        catch (JsonException) { body = null; }
        if (body is null || body.Reference.Length is 0 or > 32)
            return ApplyResult.Fail(Problems.MessageInvalid, "The submission body is not a referral.");
        var errors = ReferralValidator.Validate(body.Referral, DateOnly.FromDateTime(now.UtcDateTime),
            new HashSet<string> { node.Value.Country });
        if (errors.Count > 0)
            return ApplyResult.Fail(Problems.MessageInvalid, "Invalid fields: " + string.Join(", ", errors.Keys));
        if (body.Referral.LegalBasis.ToString() != envelope.LegalBasis)
            return ApplyResult.Fail(Problems.MessageInvalid, "The envelope and the referral name different legal bases.");

        var referral = new Referral
        {
            Id = envelope.ReferralId,
            Reference = await ReferenceNumbers.NextAsync(db, node.Value.Country, now, ct),
            CounterpartReference = body.Reference,
            Direction = Directions.Incoming,
            Status = ReferralStatuses.Submitted,
            LegalBasis = envelope.LegalBasis,
            RequestingState = envelope.From,
            RequestedState = envelope.To,
            Urgent = body.Referral.Urgent.IsUrgent,
            ApplicationLodgedOn = body.Referral.ApplicationLodgedOn,
            CreatedBy = $"node-{envelope.From}",
            CreatedAt = now,
            UpdatedAt = now,
            DataKey = keys.Cipher.NewWrappedDataKey(envelope.ReferralId),
            PersonalData = [],
        };
        referral.PersonalData = ReferralData.Seal(keys, referral, body.Referral);
        db.Referrals.Add(referral);
        return new ApplyResult(referral, false, null, null);
    }
}

public sealed record ApplyResult(Referral? Referral, bool Conflict, ProblemKind? Problem, string? Detail)
{
    public static ApplyResult Fail(ProblemKind problem, string? detail) => new(null, false, problem, detail);
}
