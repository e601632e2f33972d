using System.Text.Json.Nodes;
using CrossBorder.Node.Http;

namespace CrossBorder.Node.Contract;

/// <summary>One example problem document per status, built from the codes in <see cref="Problems"/>.</summary>
public static partial class ProblemExamples
{
    /// <summary>Every kind in declaration order, so the first of a status is its most general one.</summary>
    private static readonly IReadOnlyList<ProblemKind> Kinds = typeof(Problems)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => f.GetValue(null)).OfType<ProblemKind>().ToList();

    /// <summary>The kinds a lifecycle step most likely answers with, where they are not the general one of their status.</summary>
    private static readonly IReadOnlyList<ProblemKind> StepKinds =
        [Problems.WrongSide, Problems.StepNotAllowed, Problems.PreconditionFailed, Problems.PreconditionRequired];

    /// <summary>The same for the exchange API (signed messages and checkpoints from the peer).</summary>
    private static readonly IReadOnlyList<ProblemKind> ExchangeKinds = [Problems.WrongSender, Problems.MessageReplayed];

    public static JsonNode For(int status, string path, bool step = false)
    {
        var preferred = step ? StepKinds : path.StartsWith("/exchange/", StringComparison.Ordinal) ? ExchangeKinds : [];
        if (path == "/exchange/v1/checkpoints") preferred = [Problems.WrongSender, Problems.WitnessSizeMismatch];
        if (path.Contains("/attachments/", StringComparison.Ordinal) && path.StartsWith("/exchange/", StringComparison.Ordinal))
            preferred = [Problems.AttachmentOffsetMismatch, .. ExchangeKinds];
        var kind = preferred.FirstOrDefault(k => k.Status == status) ?? Kinds.FirstOrDefault(k => k.Status == status)
            ?? new ProblemKind(Problems.Validation.Code, status, "The request cannot be applied as sent.");
        var problem = new JsonObject
        {
            ["type"] = kind.Type,
            ["title"] = kind.Title,
            ["status"] = status,
            ["instance"] = PathParameter().Replace(path, m => m.Groups[1].Value == "id" ? OperationExamples.ReferralId : "1"),
            ["code"] = kind.Code,
            ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        };
        if (kind == Problems.PreconditionFailed)
            problem["currentETag"] = "\"v5\"";
        if (kind == Problems.StepNotAllowed || kind == Problems.WrongSide)
        {
            problem["currentStatus"] = CrossBorder.Core.Lifecycle.ReferralStatus.UnderExamination;
            problem["allowedSteps"] = new JsonArray("information-request", "decision");
        }
        if (kind == Problems.WitnessSizeMismatch)
            problem["witnessedSize"] = 1;
        if (status == 400)
        {
            problem["detail"] = "See 'errors' for every field that is not valid.";
            problem["errors"] = new JsonObject { ["child.nationalities[0]"] = new JsonArray("Use an ISO 3166-1 alpha-3 code, e.g. ERI.") };
        }
        return problem;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{([^}]+)\}")]
    private static partial System.Text.RegularExpressions.Regex PathParameter();
}
