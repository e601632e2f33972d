using System.ComponentModel.DataAnnotations;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Feed;

/// <summary>One change to a referral, as the ministry feed shows it. Metadata only.</summary>
public sealed record FeedEventView(long Position, string Type, Guid ReferralId, string Reference, string Status, string? Step,
    Guid? MessageId, string? Detail, DateTimeOffset At);

/// <summary>A page of the feed; pass <c>last</c> back as <c>after</c> to resume.</summary>
public sealed record FeedPage(IReadOnlyList<FeedEventView> Items, long Last);

/// <summary>The newest position of the feed: pass it as <c>after</c> to read only what happens from now on.</summary>
public sealed record FeedPosition(long Last);

public static class FeedEndpoints
{
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", ListAsync)
            .WithTags("Feed")
            .WithGroupName(ApiDocuments.Ministry)
            .WithName("ListEvents")
            .WithSummary("The ordered change feed of this node's referrals")
            .WithDescription("Gap-free and ordered by `position`: created, delivered, step taken or received, status changed, deadline passed, conflict, delivery failed. Poll with `after` set to the `last` you saw; an empty page answers `last` unchanged.")
            .RequireAuthorization(Scopes.ReferralsRead);
        app.MapGet("/api/v1/events/latest", LatestAsync)
            .WithTags("Feed")
            .WithGroupName(ApiDocuments.Ministry)
            .WithName("GetLatestEventPosition")
            .WithSummary("The newest position of the change feed, to follow it from now on")
            .WithDescription("Answers `last`, the position of the newest event (0 when the feed is empty), so a new reader can skip the history: poll `GET /api/v1/events?after={last}` from there.")
            .RequireAuthorization(Scopes.ReferralsRead);
        return app;
    }

    private static async Task<Ok<FeedPosition>> LatestAsync(NodeDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new FeedPosition(await db.Feed.MaxAsync(e => (long?)e.Position, ct) ?? 0));

    private static async Task<Results<Ok<FeedPage>, ValidationProblem>> ListAsync(HttpContext http, NodeDbContext db,
        [Range(0, QueryValues.MaxSafeInteger)] long? after, [Range(1, MaxPageSize)] int? limit, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (after is < 0 or > QueryValues.MaxSafeInteger) errors["after"] = ["Zero or a position returned by this feed."];
        QueryValues.CheckLimit(errors, limit, MaxPageSize);
        if (errors.Count > 0)
            return Problems.ValidationResult(http, errors);
        var from = after ?? 0;
        var items = await db.Feed.AsNoTracking().Where(e => e.Position > from).OrderBy(e => e.Position).Take(limit ?? 100)
            .Select(e => new FeedEventView(e.Position!.Value, e.Type, e.ReferralId, e.Reference, e.Status, e.Step, e.MessageId, e.Detail, e.At))
            .ToListAsync(ct);
        return TypedResults.Ok(new FeedPage(items, items.Count > 0 ? items[^1].Position : from));
    }
}
