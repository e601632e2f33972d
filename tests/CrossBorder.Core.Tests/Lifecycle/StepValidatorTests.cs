using System.Text;
using System.Text.Json;
using CrossBorder.Core.Lifecycle;

namespace CrossBorder.Core.Tests.Lifecycle;

public sealed class StepValidatorTests
{
    private static readonly DateOnly Today = new(2026, 11, 23);

    private static IReadOnlyDictionary<string, string[]> Validate(string step, string json, DateTimeOffset? transferDue = null) =>
        StepValidator.Validate(StepValidator.Read(step, Encoding.UTF8.GetBytes(json)), Today, transferDue);

    [Test]
    public void Validate_RefusalWithoutReasons_NamesReasons() =>
        Assert.That(Validate("decision", """{"outcome":"REFUSE"}""").Keys, Does.Contain("reasons"));

    [Test]
    public void Validate_AcceptanceWithoutReasons_Valid() =>
        Assert.That(Validate("decision", """{"outcome":"ACCEPT"}"""), Is.Empty);

    [Test]
    public void Read_UnknownOutcome_Throws() =>
        Assert.Throws<JsonException>(() => StepValidator.Read("decision", """{"outcome":"MAYBE"}"""u8));

    [Test]
    public void Validate_TransferInPastAndAfterDeadline_NamesTransferDate()
    {
        const string Past = """{"transferDate":"2026-11-01","arrivalPoint":"Dover","escort":{"required":false}}""";
        const string Late = """{"transferDate":"2027-06-01","arrivalPoint":"Dover","escort":{"required":false}}""";
        Assert.That(Validate("transfer-proposal", Past).Keys, Does.Contain("transferDate"));
        Assert.That(Validate("transfer-proposal", Late, new DateTimeOffset(2027, 5, 1, 0, 0, 0, TimeSpan.Zero)).Keys, Does.Contain("transferDate"));
        Assert.That(Validate("transfer-proposal", Late, new DateTimeOffset(2027, 7, 1, 0, 0, 0, TimeSpan.Zero)), Is.Empty);
    }

    [Test]
    public void Validate_ArrivalInFuture_NamesArrivedOn() =>
        Assert.That(Validate("transfer-completion", """{"arrivedOn":"2026-12-01"}""").Keys, Does.Contain("arrivedOn"));

    [Test]
    public void Validate_TooManyQuestions_NamesQuestions()
    {
        var questions = string.Join(",", Enumerable.Repeat("\"q\"", 21));
        Assert.That(Validate("information-request", $$"""{"questions":[{{questions}}]}""").Keys, Does.Contain("questions"));
    }

    [Test]
    public void Validate_EmptyWithdrawalReason_NamesReason() =>
        Assert.That(Validate("withdrawal", """{"reason":""}""").Keys, Does.Contain("reason"));
}
