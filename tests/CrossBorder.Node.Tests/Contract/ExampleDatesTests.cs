using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Contract;
using CrossBorder.Node.Referrals;
namespace CrossBorder.Node.Tests.Contract;

/// <summary>
/// The committed examples carry fixed dates (the served document must equal the committed one byte for byte, so they
/// cannot follow the calendar). <see cref="SpecExamplesTests"/> sends them with the day-relative dates moved to today;
/// this test checks the dates as written: every request example of every lifecycle step and of CreateReferral must
/// pass the node's own validation today and <see cref="Warning"/> from now, so CI fails a month before an integrator
/// who sends an example unchanged would be refused. Then move the dates in <c>Contract/Examples</c> forward.
/// </summary>
[TestFixture]
public sealed class ExampleDatesTests
{
    /// <summary>How long before an example would be refused this test fails.</summary>
    public static readonly TimeSpan Warning = TimeSpan.FromDays(30);

    public static IEnumerable<TestCaseData> Examples()
    {
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(OpenApiDocumentTests.RepositoryRoot(), "openapi", OpenApiDocumentTests.Documents[0].File)))!;
        foreach (var (_, _, operation) in OpenApiDocumentTests.Operations(spec))
        {
            var id = operation["operationId"]!.GetValue<string>();
            if (id != "CreateReferral" && OperationExamples.StepOf(id) is null)
                continue;
            var media = operation["requestBody"]!["content"]!["application/json"]!;
            if (media["examples"] is JsonObject named)
                foreach (var (name, example) in named)
                    yield return new TestCaseData(id, example!["value"]!.ToJsonString()).SetArgDisplayNames(id, name);
            else
                yield return new TestCaseData(id, media["example"]!.ToJsonString()).SetArgDisplayNames(id, "example");
        }
    }

    [TestCaseSource(nameof(Examples))]
    public void RequestExample_AsWritten_IsAcceptedTodayAndAMonthFromNow(string operationId, string json)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var day in new[] { today, today.AddDays(Warning.Days) })
        {
            var errors = Validate(operationId, json, day);
            Assert.That(errors, Is.Empty,
                $"{operationId}: its example as written would be refused on {day:yyyy-MM-dd} ({string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}). " +
                "Move the example's dates in src/CrossBorder.Node/Contract/Examples forward and regenerate openapi/.");
        }
    }

    /// <summary>The node's validation of the example on <paramref name="day"/>, in the most favourable case state: accepted that day.</summary>
    private static IReadOnlyDictionary<string, string[]> Validate(string operationId, string json, DateOnly day)
    {
        if (operationId == "CreateReferral")
        {
            var document = JsonSerializer.Deserialize<ReferralDocument>(json, ReferralJson.Options)!;
            return ReferralValidator.Validate(document, day, new HashSet<string> { "GB" });
        }
        var step = OperationExamples.StepOf(operationId)!;
        var body = StepValidator.Read(step.Name, Encoding.UTF8.GetBytes(json));
        var acceptedOn = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return StepValidator.Validate(body, day, IsoDuration.Parse(DeadlinePolicy.Domain.Transfer!).AddTo(acceptedOn));
    }

    [Test]
    public void EveryStep_HasAnExampleForEachOutcome()
    {
        var names = Examples().Select(c => $"{c.Arguments[0]}").ToList();
        foreach (var step in Lifecycle.Steps)
            Assert.That(names, Does.Contain(ReferralEndpoints.StepOperationId(step.Name)), step.Name);
        var decision = ReferralEndpoints.StepOperationId(Lifecycle.Decision);
        Assert.That(names.Count(n => n == decision), Is.EqualTo(Enum.GetValues<DecisionOutcome>().Length), "one decision example per outcome");
    }
}
