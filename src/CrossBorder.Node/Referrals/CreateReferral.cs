using System.Text.Json;
using CrossBorder.Core.Exchange;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// <c>POST /api/v1/referrals</c>: validate, then in ONE transaction, sent as one batch in one round trip, write every row a
/// referral starts with (the life of one referral: docs/architecture.md), each visible from here:
/// the referral, personal data sealed (<see cref="NewReferrals.AddAsync"/>, below; version 1 by <see cref="Referral.Changed"/>);
/// its signed <c>referral.submitted</c> message and that message's audit entry (<see cref="Outbox.Queue"/>);
/// its first history step, feed event and audit entry (<see cref="CaseLifecycle.Record"/>);
/// the idempotency record (<see cref="Idempotency.Complete"/>); all of them new rows, written as one batch of INSERTs that
/// is its own transaction (<see cref="RowBatch.SaveAsOwnTransactionAsync"/>). Nothing is read first: a key used before
/// fails the batch at its primary key, and the first request's answer is given then (<see cref="Idempotency.TakenAsync"/>).
/// Delivery happens after commit, in the background.
/// </summary>
public static class CreateReferral
{
    public const int MaxBodyBytes = 256 * 1024;

    public static async Task<IResult> HandleAsync(HttpContext http, [AsParameters] WriteServices s, NewReferrals referrals,
        IOptions<NodeOptions> node, CancellationToken ct)
    {
        var request = Idempotency.RequestOf(http);
        var read = await RequestBody.ReadAsync(http.Request, "application/json", MaxBodyBytes, "a referral", ct);
        if (read.Body is not { } body)
            return read.Problem(http);

        ReferralDocument? document;
        try { document = JsonSerializer.Deserialize<ReferralDocument>(body, ReferralJson.Options); }
        catch (JsonException e) { return Problems.UnreadableJson(http, e, "a referral"); }
        if (document is null)
            return Problems.MalformedJson.Result(http, "The body is empty.");

        var now = s.Time.GetUtcNow();
        var errors = ReferralValidator.Validate(document, DateOnly.FromDateTime(now.UtcDateTime),
            node.Value.Peers.Select(p => p.Country).ToHashSet());
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors.ToDictionary(e => e.Key, e => e.Value));

        Idempotency.Prepare(http, request, body);
        using var newRows = s.Db.CollectNewRows(); // every row below is new: written by the batch, not tracked
        var country = node.Value.Country;
        var referral = await referrals.AddAsync(document, new NewReferral(Guid.CreateVersion7(now), Directions.Outgoing,
            RequestingState: country, RequestedState: document.RequestedState, CreatedBy: request.ClientId, now)
        {
            CounterpartReference = document.CounterpartReference,
        }, ct);
        referral.Changed(now);
        var message = s.Outbox.Queue(referral, MessageTypes.Submitted, new SubmissionBody(referral.Reference, document));
        s.Lifecycle.Record(referral, new CaseEvent(CaseSteps.Submission, country, ReferralStatus.Submitted, message.SentAt,
            FeedEventTypes.Created) { MessageId = message.Id, Client = request.ClientId });
        s.Idempotency.Complete(request, StatusCodes.Status201Created, referral.Id);
        try
        {
            // The key first: a key used before fails the batch before the referral's row is written.
            await s.Db.SaveAsOwnTransactionAsync(s.Signals, lead: typeof(IdempotencyRecord), ct);
        }
        catch (DbUpdateException e) when (Idempotency.IsTaken(e))
        {
            s.Db.ChangeTracker.Clear(); // none of these rows exists: the batch rolled back whole
            return await s.Idempotency.TakenAsync(http, request, async id => Created(http, (await s.Reader.FindStateAsync(id, ct))!), ct);
        }
        return Created(http, s.Reader.State(referral, ReferralReader.Queued(message)));
    }

    private static Created<ReferralState> Created(HttpContext http, ReferralState state)
    {
        http.Response.Headers.ETag = state.ETag;
        return TypedResults.Created(state.Links.Self, state);
    }
}

/// <summary>Who a new referral is between, who created it and when; its id is the sender's (UUID v7).</summary>
public sealed record NewReferral(Guid Id, string Direction, string RequestingState, string RequestedState, string CreatedBy,
    DateTimeOffset At)
{
    public string? CounterpartReference { get; init; }
}

/// <summary>
/// The one way a referral row is made, for a ministry's create and for the peer's submission
/// (<see cref="PeerMessages"/>): a reference number, its own data key, the personal data sealed under it.
/// </summary>
public sealed class NewReferrals(NodeDbContext db, NodeKeys keys, ReferenceNumbers references)
{
    public async Task<Referral> AddAsync(ReferralDocument document, NewReferral n, CancellationToken ct)
    {
        var referral = new Referral
        {
            Id = n.Id,
            Reference = await references.NextAsync(n.At, ct),
            CounterpartReference = n.CounterpartReference,
            Direction = n.Direction,
            Status = ReferralStatus.Submitted,
            LegalBasis = document.LegalBasis.ToString(),
            RequestingState = n.RequestingState,
            RequestedState = n.RequestedState,
            Urgent = document.Urgent.IsUrgent,
            ApplicationLodgedOn = document.ApplicationLodgedOn,
            CreatedBy = n.CreatedBy,
            CreatedAt = n.At,
            UpdatedAt = n.At,
            DataKey = [],
            PersonalData = [],
        };
        referral.WrappedDataKey = keys.Cipher.NewWrappedDataKey(n.Id);
        referral.PersonalData = ReferralData.Seal(keys, referral, document);
        db.AddRow(referral);
        return referral;
    }
}
