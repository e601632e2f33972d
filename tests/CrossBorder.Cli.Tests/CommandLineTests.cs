using System.Reflection;
using System.Text.RegularExpressions;
using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Tests;

/// <summary>Parsing, help and exit codes of every command, run in process through <see cref="CliApp.InvokeAsync"/>.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class CommandLineTests
{
    public static IEnumerable<TestCaseData> EveryCommand() =>
        CliApp.Commands().Select(c => new TestCaseData(string.Join(' ', c.Words)).SetArgDisplayNames(string.Join('-', c.Words)));

    [TestCaseSource(nameof(EveryCommand))]
    public async Task Help_EveryCommand_ExitsOkAndListsEveryOption(string words)
    {
        var (exit, output, _) = await RunAsync([.. words.Split(' '), "--help"]);

        var command = CliApp.Commands().Single(c => string.Join(' ', c.Words) == words);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
            Assert.That(output, Does.Match($@"crossborder {System.Text.RegularExpressions.Regex.Escape(words)} (<\w+> )?\[options\]"), "usage, with its arguments if any");
            Assert.That(output, Does.Contain(command.Description!.Split('\n')[0]));
            foreach (var option in command.Options)
                Assert.That(output, Does.Contain(option.Name), $"help of `{words}` shows {option.Name}");
        });
    }

    [TestCaseSource(nameof(EveryCommand))]
    public async Task UnknownOption_EveryCommand_ExitsUsageAndPointsToHelp(string words)
    {
        var (exit, _, error) = await RunAsync([.. words.Split(' '), "--no-such-option"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("--no-such-option").And.Contain($"crossborder {words} --help"));
    }

    [Test]
    public async Task NoCommand_ExitsUsageWithTheCommandListOnStandardError()
    {
        var (exit, output, error) = await RunAsync([]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        foreach (var word in CliApp.Commands().Select(c => c.Words[0]).Distinct())
            Assert.That(error, Does.Contain($"  {word} "), $"the command list names `{word}`");
    }

    [Test]
    public async Task RootHelp_ListsEachCommandOnOneLine()
    {
        var (exit, output, _) = await RunAsync(["--help"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        var up = output.Split('\n').Where(l => Regex.IsMatch(l, @"^\s+up\s")).ToList();
        Assert.That(up, Has.Count.EqualTo(1));
        Assert.That(output, Does.Not.Contain("Everything generated lives in"), "details belong to `up --help` only");
    }

    [Test]
    public async Task UnknownCommand_ExitsUsageAndSuggestsTheNearestOne()
    {
        var (exit, _, error) = await RunAsync(["stauts"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("stauts").And.Contain("status"));
    }

    [TestCase("keys generate --out x", "--country")]
    [TestCase("keys generate --country FR", "--out")]
    [TestCase("keys generate --country FRA --out x", "two-letter")]
    [TestCase("outbox redrive --connection Host=x", "--message")]
    [TestCase("outbox redrive --connection Host=x --message not-a-uuid", "not-a-uuid")]
    [TestCase("audit verify --peer-url http://x", "--url or --file")]
    [TestCase("audit verify --url http://x --file y --peer-url http://x", "--url or --file")]
    [TestCase("audit verify --file y --peer-jwks z", "--jwks")]
    [TestCase("audit verify --url http://x --client-id a --client-secret b", "--peer-url or --peer-jwks")]
    [TestCase("audit verify --url http://x --client-id a --client-secret b --peer-url http://x --cosign-grace -1", "--cosign-grace")]
    [TestCase("up --fr-port 70000", "TCP port")]
    [TestCase("up --fr-port abc", "abc")]
    [TestCase("up --gb-port 5101", "different ports")]
    [TestCase("up --ready-timeout 0", "positive")]
    [TestCase("up --no-build yes", "yes")]
    [TestCase("down --timeout -1", "positive")]
    [TestCase("bench delivery --count 0", "positive")]
    [TestCase("bench write --pg-port 5201", "different ports")]
    [TestCase("bench attachment --sizes 5,0,50", "--sizes must be")]
    [TestCase("bench attachment --sizes 5,,25", "--sizes must be")]
    [TestCase("bench attachment --sizes 25MB", "--sizes must be")]
    [TestCase("bench attachment --size-mb 0", "positive")]
    [TestCase("bench faults --rate 0", "positive")]
    [TestCase("bench faults --evidence -1", "--evidence must be")]
    [TestCase("bench faults --pg-port 5300", "different ports")]
    public async Task WrongCommandLine_ExitsUsageNamingTheProblem(string commandLine, string problem)
    {
        var (exit, output, error) = await RunAsync(commandLine.Split(' '));

        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain(problem));
        Assert.That(output, Is.Empty, "nothing was done");
    }

    [Test]
    public async Task OutboxRedrive_ConnectionFromEnvironmentVariableIsNotRequiredOnTheCommandLine()
    {
        // No variable set here: the option is then required. The variable itself is read only when the command runs.
        Assume.That(Environment.GetEnvironmentVariable("CROSSBORDER_CONNECTION"), Is.Null);
        var (exit, _, error) = await RunAsync(["outbox", "redrive", "--message", Guid.NewGuid().ToString()]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("--connection (or CROSSBORDER_CONNECTION) is required"));
    }

    [Test]
    public async Task OutboxRedrive_DatabaseUnreachable_ExitsFailureWithOneLineReason()
    {
        var closedPort = LocalPostgres.FindFreePort();
        var (exit, _, error) = await RunAsync(["outbox", "redrive", "--connection", $"Host=127.0.0.1;Port={closedPort};Username=x;Timeout=3",
            "--message", Guid.NewGuid().ToString()]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure));
        Assert.That(error, Does.StartWith("crossborder outbox redrive: error: "));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task KeysGenerate_WritesKeyAndJwks_AndNeverReplacesAKey()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"crossborder-keys-{Guid.NewGuid():N}");
        try
        {
            var (exit, output, _) = await RunAsync(["keys", "generate", "--country", "fr", "--out", folder]);
            Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
            Assert.That(output, Does.Match(@"kid: FR-\d{4}-\d{2}-"));
            Assert.That(File.Exists(Path.Combine(folder, "signing-key.pem")) && File.Exists(Path.Combine(folder, "jwks.json")), Is.True);
            var key = await File.ReadAllTextAsync(Path.Combine(folder, "signing-key.pem"));

            var (again, _, error) = await RunAsync(["keys", "generate", "--country", "FR", "--out", folder]);
            Assert.That(again, Is.EqualTo(ExitCodes.Failure));
            Assert.That(error, Does.StartWith("crossborder keys generate: error: "));
            Assert.That(await File.ReadAllTextAsync(Path.Combine(folder, "signing-key.pem")), Is.EqualTo(key));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task StatusAndDown_NothingEverStarted_NotRunningAndNothingToStop()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"crossborder-none-{Guid.NewGuid():N}");

        var (status, statusOutput, _) = await RunAsync(["status", "--local-dir", folder]);
        var (down, downOutput, _) = await RunAsync(["down", "--local-dir", folder]);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(ExitCodes.NotRunning));
            Assert.That(statusOutput, Does.Contain("not running"));
            Assert.That(down, Is.EqualTo(ExitCodes.Ok));
            Assert.That(downOutput, Does.Contain("Nothing to stop"));
        });
    }

    [Test]
    public void ExitCodes_EveryOneIsInTheReadmeTable()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Find(AppContext.BaseDirectory), "README.md"));
        foreach (var field in typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (int)field.GetValue(null)!;
            Assert.That(readme, Does.Match($@"\n\| `?{code}`? \|"), $"README's exit code table has a row for {field.Name} ({code})");
        }
    }

    [Test]
    public void Commands_EachInItsOwnClassWithDistinctWords()
    {
        var commands = CliApp.Commands();
        Assert.That(commands.Select(c => string.Join(' ', c.Words)), Is.Unique);
        Assert.That(commands.Select(c => c.GetType()), Is.Unique);
        Assert.That(CliApp.BuildRoot(commands).Subcommands.Select(c => c.Name), Is.Unique, "groups (keys, audit...) are made once");
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Test]
    public void BenchAttachmentSizes_CommaSeparatedMiB_InOrder() =>
        Assert.That(BenchAttachmentCommand.SizesOf(" 5, 25,50"), Is.EqualTo(new[] { 5, 25, 50 }));
}
