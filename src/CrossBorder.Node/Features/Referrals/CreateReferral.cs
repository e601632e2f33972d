using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Auth;
using CrossBorder.Node.Data;
using CrossBorder.Node.Features.Exchange;
using CrossBorder.Node.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>
/// <c>POST /api/v1/referrals</c>: validate, then in ONE transaction write every row a referral starts with:
/// the referral (personal data sealed), its signed <c>referral.submitted</c> message in the outbox
/// (<see cref="Outbox.Queue"/>), its first history step and feed event (<see cref="CaseLifecycle.Transition"/>),
/// their audit entries, and the idempotency record. Delivery happens after commit, in the background.
/// </summary>
public static class CreateReferral
{
    public const int MaxBodyBytes = 256 * 1024;

    public static async Task<IResult> HandleAsync(HttpContext http, [AsParameters] WriteServices s, NodeKeys keys,
        ReferenceNumbers references, IOptions<NodeOptions> node, CancellationToken ct)
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

        var now = s.Time.GetUtcNow();
        var errors = ReferralValidator.Validate(document, DateOnly.FromDateTime(now.UtcDateTime),
            node.Value.Peers.Select(p => p.Country).ToHashSet());
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors.ToDictionary(e => e.Key, e => e.Value));

        var clientId = http.User.ClientId();
        var hash = Idempotency.Hash("POST", http.Request.Path, body);
        await using var tx = await s.Db.Database.BeginTransactionAsync(ct);
        var check = await s.Idempotency.BeginAsync(clientId, key, hash, ct);
        switch (check.State)
        {
            case IdempotencyState.InFlight:
                return Problems.IdempotencyKeyInFlight.Result(http);
            case IdempotencyState.Mismatch:
                await s.Audit.IdempotencyMisuseAsync(http, ct);
                return Problems.IdempotencyKeyReused.Result(http);
            case IdempotencyState.Replay:
                var replay = await s.Reader.FindStateAsync(check.Record!.ResourceId!.Value, ct);
                return Created(http, replay!);
        }

        var id = Guid.CreateVersion7(now);
        var country = node.Value.Country;
        var referral = new Referral
        {
            Id = id,
            Reference = await references.NextAsync(now, ct),
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
        s.Db.Referrals.Add(referral);
        var message = s.Outbox.Queue(referral, MessageTypes.Submitted, new SubmissionBody(referral.Reference, document));
        s.Lifecycle.Transition(referral, CaseSteps.Submission, null, country, ReferralStatus.Submitted, message.SentAt, message.Id,
            false, FeedEventTypes.Created, clientId);
        s.Idempotency.Complete(clientId, key, hash, StatusCodes.Status201Created, id);
        await s.Db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Created(http, s.Reader.State(referral, ReferralReader.Queued(message)));
    }

    private static Created<ReferralState> Created(HttpContext http, ReferralState state)
    {
        http.Response.Headers.ETag = state.ETag;
        return TypedResults.Created(state.Links.Self, state);
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
