using System.ComponentModel.DataAnnotations;
using System.Text;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Keys;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Referrals;

public static class ReferralEndpoints
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapReferralsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/referrals").WithTags("Referrals").WithGroupName(ApiDocuments.Ministry);

        group.MapPost("/", CreateReferral.HandleAsync)
            .WithName("CreateReferral")
            .WithSummary("Create a referral and send it to the requested state")
            .WithDescription("Validates the referral, stores it (personal data encrypted) and queues the signed `referral.submitted` message in one transaction, then answers 201 at once. Delivery is asynchronous: follow `delivery` on the referral. Requires an `Idempotency-Key`; the same key with the same body replays the first answer.")
            .Accepts<ReferralDocument>("application/json")
            .Produces<ReferralState>(StatusCodes.Status201Created)
            .RequireIdempotencyKey()
            .RequireAuthorization(Scopes.ReferralsWrite);

        group.MapGet("/{id:guid}", GetAsync)
            .WithName("GetReferral")
            .WithSummary("Read one referral with its personal data, status, deadlines and delivery state")
            .WithDescription("Answers the referral as this node holds it, with an `ETag` to send as `If-Match` with the next lifecycle step. The read is recorded in the audit log, with the purpose given in `X-Purpose`.")
            .WithMetadata(new PersonalDataRead())
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(Scopes.ReferralsRead);

        group.MapGet("/", ListAsync)
            .WithName("ListReferrals")
            .WithSummary("List referrals (metadata only), cursor paged")
            .WithDescription("Metadata only, ordered by referral `id` ascending: ids are UUID v7, so this is creation order on the node that created the referral (an incoming referral keeps the sender's id). All filters combine (AND); an instant with any offset is compared as the same UTC instant. Pass `nextCursor` back as `cursor`, with the same filters, to read the next page; no `nextCursor` means the last page.")
            .RequireAuthorization(Scopes.ReferralsRead);

        foreach (var step in Lifecycle.Steps)
            group.MapPost($"/{{id:guid}}/{step.Name}", (Guid id, HttpContext http, [AsParameters] WriteServices s, CancellationToken ct) =>
                    TakeStep.HandleAsync(id, step.Name, http, s, ct))
                .WithName(StepOperationId(step.Name))
                .WithSummary(StepSummaries.Summary(step.Name))
                .WithDescription(StepSummaries.Description(step))
                .Accepts(StepValidator.BodyType(step.Name), "application/json")
                .Produces<ReferralState>(StatusCodes.Status200OK)
                .ProducesProblem(StatusCodes.Status410Gone)
                .RequireIdempotencyKey()
                .RequireIfMatch()
                .RequireAuthorization(Scopes.ReferralsWrite);

        group.MapGet("/{id:guid}/messages", MessagesAsync)
            .WithName("ListReferralMessages")
            .WithSummary("Every signed message and receipt of the case, verbatim")
            .WithDescription("Each `jws` and `receipt` is the exact JWS compact serialization exchanged; verify them with the keys at `/exchange/v1/keys` of the node that signed them. The read is recorded in the audit log, with the purpose given in `X-Purpose`.")
            .WithMetadata(new PersonalDataRead())
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(Scopes.ReferralsRead);
        return app;
    }

    private static async Task<Results<Ok<ReferralView>, ProblemHttpResult>> GetAsync(Guid id, HttpContext http, ReferralReader reader,
        Audit.AuditLog audit, CancellationToken ct)
    {
        var read = await reader.FindAsync(id, ct);
        if (read.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        if (read.View is not { } view)
            return Problems.NoSuchReferral(http);
        var purpose = Purpose.Read(http, out var invalidPurpose);
        if (invalidPurpose is not null)
            return invalidPurpose;
        await audit.PersonalDataReadAsync(http.User.ClientId(), id, purpose, "referral", ct);
        http.Response.Headers.ETag = view.ETag;
        return TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<ReferralPage>, ValidationProblem>> ListAsync(HttpContext http, NodeDbContext db,
        ReferralReader reader, TimeProvider time, string? direction, string? status, DateTimeOffset? updatedSince,
        DateTimeOffset? dueBefore, bool? overdue,
        [StringLength(QueryValues.IdCursorLength, MinimumLength = QueryValues.IdCursorLength), RegularExpression(QueryValues.IdCursorPattern)] string? cursor,
        [Range(1, MaxPageSize)] int? limit, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (direction is not null and not Directions.Outgoing and not Directions.Incoming)
            errors["direction"] = ["Use 'outgoing' or 'incoming'."];
        if (status is not null && !ReferralStatus.All.Contains(status))
            errors["status"] = [$"One of: {string.Join(", ", ReferralStatus.All)}."];
        QueryValues.CheckLimit(errors, limit, MaxPageSize);
        Guid? after = null;
        if (cursor is not null)
        {
            if (QueryValues.TryDecodeId(cursor, out var decoded)) after = decoded;
            else errors["cursor"] = [QueryValues.CursorError];
        }
        updatedSince = QueryValues.Utc(updatedSince);
        dueBefore = QueryValues.Utc(dueBefore);
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors);

        // One snapshot for the page and its delivery states (see ReferralReader.FindAsync).
        await using var snapshot = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var query = db.Referrals.AsNoTracking().AsQueryable();
        if (direction is not null) query = query.Where(r => r.Direction == direction);
        if (status is not null) query = query.Where(r => r.Status == status);
        if (updatedSince is not null) query = query.Where(r => r.UpdatedAt >= updatedSince);
        if (dueBefore is not null) query = query.Where(r => r.NextDueAt < dueBefore);
        if (overdue is not null)
        {
            var now = time.GetUtcNow();
            query = overdue.Value ? query.Where(r => r.NextDueAt <= now) : query.Where(r => r.NextDueAt == null || r.NextDueAt > now);
        }
        if (after is not null) query = query.Where(r => r.Id.CompareTo(after.Value) > 0);
        var size = limit ?? 50;
        var rows = await query.OrderBy(r => r.Id).Take(size + 1).ToListAsync(ct);
        var page = rows.Take(size).ToList();
        var deliveries = await reader.LatestDeliveriesAsync(page.Select(r => r.Id).ToList(), ct);
        var items = page.Select(r => reader.Summarize(r, deliveries.GetValueOrDefault(r.Id))).ToList();
        return TypedResults.Ok(new ReferralPage(items, rows.Count > size ? QueryValues.EncodeId(page[^1].Id) : null));
    }

    private static async Task<Results<Ok<IReadOnlyList<MessageView>>, ProblemHttpResult>> MessagesAsync(Guid id, HttpContext http,
        NodeDbContext db, NodeKeys keys, Audit.AuditLog audit, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (referral is null)
            return Problems.NoSuchReferral(http);
        if (referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        var purpose = Purpose.Read(http, out var invalidPurpose);
        if (invalidPurpose is not null)
            return invalidPurpose;
        await audit.PersonalDataReadAsync(http.User.ClientId(), id, purpose, "messages", ct);
        var messages = await db.Messages.AsNoTracking().Where(m => m.ReferralId == id)
            .OrderBy(m => m.SentAt).ThenBy(m => m.Direction).ThenBy(m => m.Seq).ToListAsync(ct);
        IReadOnlyList<MessageView> views = messages.Select(m => new MessageView(m.Id, m.Direction, m.Seq, m.Type, m.FromCountry,
            m.ToCountry, m.SentAt, m.State, m.Digest,
            Encoding.ASCII.GetString(keys.Cipher.Decrypt(referral.WrappedDataKey, id, Exchange.MessageColumns.Jws(m.Id), m.Jws)),
            m.ReceiptJws, m.ReceivedAt)).ToList();
        return TypedResults.Ok(views);
    }

    public static string StepOperationId(string step) =>
        "Take" + string.Concat(step.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
