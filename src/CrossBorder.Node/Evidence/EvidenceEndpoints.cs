using System.ComponentModel.DataAnnotations;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Evidence;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Referrals;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Evidence;

/// <summary><c>GET /api/v1/referrals/{id}/evidence</c>: one case's evidence pack, for auditors and the ministry.</summary>
public static class EvidenceEndpoints
{
    /// <summary>The value of <c>include</c> that asks for the messages verbatim, personal data and all.</summary>
    public const string IncludePersonalData = "personal-data";

    public static IEndpointRouteBuilder MapEvidenceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/referrals/{id:guid}/evidence", GetAsync)
            .WithTags("Referrals").WithGroupName(ApiDocuments.Ministry)
            .WithName("GetReferralEvidence")
            .WithSummary("The case's evidence pack: signed messages, receipts, audit entries with proofs, keys, a signed manifest")
            .WithDescription("One JSON document (format `crossborder-evidence/1`, docs/evidence-pack.md) that a third party verifies offline with " +
                "any JOSE library, SHA-256 and RFC 9162: every message and receipt of the case as exchanged, this node's audit entries of the " +
                "case (exact leaf bytes) with inclusion proofs to the latest checkpoint the peer cosigned, earlier cosigned checkpoints with " +
                "consistency proofs, both nodes' public keys with their validity, and a manifest with the SHA-256 of every part, signed by this " +
                "node (`typ: crossborder-evidence-manifest+jws`). Entries recorded after that checkpoint are not in the pack yet. " +
                "Without `include`, messages carry personal data, so each is given by its SHA-256 only (the digest its receipt and the log " +
                "carry); `audit.read` or `referrals.read` may ask. `include=personal-data` puts every message JWS in verbatim: only for " +
                "`referrals.read` (403 otherwise), and recorded in the audit log as a read with the purpose given in `X-Purpose`. " +
                "409 CB0208 while the peer has not cosigned any checkpoint of this node's log; 409 CB0209 for a case beyond a pack's bounds " +
                $"({EvidenceFormat.MaxMessages} messages, {EvidenceFormat.MaxAuditEntries} audit entries).")
            .WithMetadata(new PersonalDataRead())
            .Produces<EvidencePack>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireAuthorization(EvidenceSetup.Policy);
        return app;
    }

    private static async Task<Results<Ok<EvidencePack>, ProblemHttpResult, ValidationProblem>> GetAsync(Guid id,
        [StringLength(13, MinimumLength = 13), RegularExpression("^personal-data$")] string? include, HttpContext http, NodeDbContext db,
        EvidenceExport export, AuditLog audit, CancellationToken ct)
    {
        if (include is not null and not IncludePersonalData)
            return Problems.ValidationResult(http, new Dictionary<string, string[]> { ["include"] = [$"Omit it, or '{IncludePersonalData}'."] });
        var personalData = include == IncludePersonalData;
        if (personalData && !http.User.HasScope(Scopes.ReferralsRead))
        {
            await audit.SecurityEventAsync(new(AuditKinds.SecurityForbidden)
            {
                Client = http.User.ClientId(), Code = Problems.Forbidden.Code,
                Detail = "GET /api/v1/referrals/{id}/evidence include=personal-data",
            }, ct);
            return Problems.Forbidden.Result(http, $"Personal data needs the '{Scopes.ReferralsRead}' scope; without 'include' the pack gives each message's digest.");
        }
        // As on every operation that documents X-Purpose: present but not valid is refused, whether or not it is recorded
        // (regression, contract fuzzer: a bad X-Purpose without include was answered 200).
        var purpose = Purpose.Read(http, out var invalidPurpose);
        if (invalidPurpose is not null)
            return invalidPurpose;

        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (referral is null)
            return Problems.NoSuchReferral(http);
        if (personalData && referral.ErasedAt is { } erasedAt)
            return Problems.ReferralErased(http, erasedAt);
        var built = await export.BuildAsync(referral, personalData, ct);
        if (built.Pack is not { } pack)
            return built.Problem!.Result(http, built.Detail);
        // The read is committed to the log before the data leaves (the same rule as every personal-data read).
        if (personalData)
            await audit.PersonalDataReadAsync(http.User.ClientId(), id, purpose, "evidence", ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(pack);
    }
}
