using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Auth;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Exchange;
using CrossBorder.Node.Hosting;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// <c>POST /api/v1/referrals</c>: validate, then in ONE transaction store the referral (personal data
/// sealed), queue the signed <c>referral.submitted</c> message and record the idempotency outcome.
/// Delivery happens after commit, in the background.
/// </summary>
public static class CreateReferral
{
    public const int MaxBodyBytes = 256 * 1024;

    public static async Task<IResult> HandleAsync(HttpContext http, NodeDbContext db, NodeKeys keys, Idempotency idempotency,
        OutgoingMessages outgoing, CaseLifecycle lifecycle, ReferralReader reader, IOptions<NodeOptions> node, TimeProvider time, OutboxSignal signal,
        CancellationToken ct)
    {
        if (Idempotency.ReadKey(http.Request) is not { } key)
            return Problems.IdempotencyKeyMissing.Result(http, "Send a unique Idempotency-Key (1-255 printable characters) with every POST.");
        if (!RequestBody.HasMediaType(http.Request, "application/json"))
            return Problems.UnsupportedMediaType.Result(http, "Send the referral as application/json.");
        var body = await RequestBody.ReadAsync(http.Request, MaxBodyBytes, ct);
        if (body is null)
            return Problems.PayloadTooLarge.Result(http, $"A referral is at most {MaxBodyBytes} bytes.");

        ReferralDocument? document;
        try { document = JsonSerializer.Deserialize<ReferralDocument>(body, ReferralJson.Options); }
        catch (JsonException e) { return MalformedJson(http, e); }
        if (document is null)
            return Problems.MalformedJson.Result(http, "The body is empty.");

        var now = time.GetUtcNow();
        var errors = ReferralValidator.Validate(document, DateOnly.FromDateTime(now.UtcDateTime),
            node.Value.Peers.Select(p => p.Country).ToHashSet());
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors.ToDictionary(e => e.Key, e => e.Value));

        var clientId = http.User.ClientId();
        var hash = Idempotency.Hash("POST", http.Request.Path, body);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var check = await idempotency.BeginAsync(clientId, key, hash, ct);
        switch (check.State)
        {
            case IdempotencyState.InFlight:
                return Problems.IdempotencyKeyInFlight.Result(http);
            case IdempotencyState.Mismatch:
                await Audit.AuditLog.IdempotencyMisuseAsync(http, ct);
                return Problems.IdempotencyKeyReused.Result(http);
            case IdempotencyState.Replay:
                return await reader.CreatedAsync(http, check.Record!.ResourceId!.Value, ct);
        }

        var id = Guid.CreateVersion7(now);
        var country = node.Value.Country;
        var referral = new Referral
        {
            Id = id,
            Reference = await ReferenceNumbers.NextAsync(db, country, now, ct),
            CounterpartReference = document.CounterpartReference,
            Direction = Directions.Outgoing,
            Status = ReferralStatus.Submitted,
            LegalBasis = document.LegalBasis.ToString(),
            RequestingState = country,
            RequestedState = document.RequestedState,
            Urgent = document.Urgent.IsUrgent,
            ApplicationLodgedOn = document.ApplicationLodgedOn,
            CreatedBy = clientId,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
            DataKey = keys.Cipher.NewWrappedDataKey(id),
            PersonalData = [],
        };
        referral.PersonalData = ReferralData.Seal(keys, referral, document);
        db.Referrals.Add(referral);
        var message = await outgoing.QueueAsync(referral, MessageTypes.Submitted, new SubmissionBody(referral.Reference, document), ct);
        lifecycle.Transition(referral, CaseSteps.Submission, null, country, ReferralStatus.Submitted, message.SentAt, message.Id,
            false, FeedEventTypes.Created, clientId);
        idempotency.Complete(clientId, key, hash, StatusCodes.Status201Created, id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        signal.Notify();

        return await reader.CreatedAsync(http, id, ct);
    }

    /// <summary>Names the JSON path that failed; never echoes the submitted value.</summary>
    public static IResult MalformedJson(HttpContext http, JsonException e)
    {
        var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
        return Problems.ValidationResult(http, new Dictionary<string, string[]>
        {
            [path.TrimStart('$').TrimStart('.') is { Length: > 0 } p ? p : "$"] =
                ["The value is missing, of the wrong type, or not one of the allowed values."],
        }, "The body could not be read as a referral.");
    }
}
