using System.Text.Json.Nodes;
using CrossBorder.Node.Http;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CrossBorder.Node.Evidence;

/// <summary>What the evidence operation's 403 and 409 mean, beyond the general descriptions (runs after the shared filters).</summary>
public sealed class EvidenceOperationFilter : IOperationFilter
{
    public const string OperationId = "GetReferralEvidence";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId != OperationId || operation.Responses is null)
            return;
        if (operation.Responses.TryGetValue("403", out var forbidden) && forbidden is OpenApiResponse r403)
            r403.Description = "The token grants neither `audit.read` nor `referrals.read`, or asks for `include=personal-data` without " +
                "`referrals.read` (CB0011; recorded as a security event).";
        if (operation.Responses.TryGetValue("409", out var conflict) && conflict is OpenApiResponse r409)
        {
            r409.Description = "The peer has not cosigned any checkpoint of this node's audit log yet (CB0208): retry in a few seconds; " +
                "or the case is beyond one pack's bounds (CB0209).";
            if (r409.Content?.Values.FirstOrDefault() is OpenApiMediaType media && media.Example is JsonObject example)
            {
                example["type"] = Problems.EvidenceNotReady.Type;
                example["title"] = Problems.EvidenceNotReady.Title;
                example["code"] = Problems.EvidenceNotReady.Code;
            }
        }
    }
}
