using System.Diagnostics;
using CrossBorder.Cli.Local;
using CrossBorder.Node.Data;
using CrossBorder.Node.Hosting;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// Issue 13: <c>Database:Migrate</c>. On Kubernetes a Job runs the node with <c>only</c> and the replicas run with
/// <c>false</c>, so replicas never race each other (or the previous version) into a schema change.
/// </summary>
public sealed class DatabaseMigrateTests
{
    private static readonly string NodeAssembly = Path.Combine(AppContext.BaseDirectory, "CrossBorder.Node.dll");

    [Test]
    public async Task MigrateOnly_EmptyDatabase_AppliesEveryMigrationWithJustTheConnectionStringAndExitsZero()
    {
        var connectionString = await TestDatabase.CreateAsync("migrate_only");

        var first = await RunNodeAsync(OnlyEnvironment(connectionString));
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Output);
        Assert.That(await AppliedAsync(connectionString), Is.EqualTo(AllMigrations()), "every migration of this build is applied");
        Assert.That(first.Output, Does.Not.Contain("fail:"), "a fresh database is no failure (issue 13: a clean first start)");

        var again = await RunNodeAsync(OnlyEnvironment(connectionString));
        Assert.That(again.ExitCode, Is.EqualTo(0), $"a second run finds nothing to do and still succeeds: {again.Output}");
    }

    [Test]
    public async Task Migrate_UnknownValue_RefusesToStartNamingTheSetting()
    {
        var connectionString = await TestDatabase.CreateAsync("migrate_bad");
        var environment = OnlyEnvironment(connectionString);
        environment["Database__Migrate"] = "maybe";

        var run = await RunNodeAsync(environment);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(run.ExitCode, Is.Not.EqualTo(0));
            Assert.That(run.Output, Does.Contain("Database:Migrate must be true, false or only"));
            Assert.That(await AppliedAsync(connectionString), Is.Empty, "nothing migrated");
        });
    }

    [Test]
    public async Task MigrateFalse_SchemaMissing_WaitsWithoutTouchingTheDatabaseUntilTheMigrationsAreApplied()
    {
        var connectionString = await TestDatabase.CreateAsync("migrate_wait");
        await using var db = Context(connectionString);
        var log = new WaitingLog();

        var waiting = DatabaseMigration.PrepareAsync(db, MigrateMode.Wait, log, CancellationToken.None);
        await log.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(waiting.IsCompleted, Is.False, "still waiting for the schema");
            Assert.That(await TableCountAsync(connectionString), Is.Zero, "no table created, not even the migrations history");
        });

        var job = await RunNodeAsync(OnlyEnvironment(connectionString));
        Assert.That(job.ExitCode, Is.EqualTo(0), job.Output);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(await AppliedAsync(connectionString), Is.EqualTo(AllMigrations()));
    }

    [Test]
    public async Task MigrateFalse_ReplicaStartedBeforeTheJob_BecomesReadyOnceTheJobHasRun()
    {
        var clock = new TestClock();
        var frDatabase = await TestDatabase.CreateAsync("migrate_fr");
        await using var fr = new TestNode("FR", frDatabase, clock);
        await using var gb = new TestNode("GB", await TestDatabase.CreateAsync("migrate_gb"), clock);
        fr.Peer = gb;
        gb.Peer = fr;

        await using var replica = NodeProcess.StartAssembly("FR-replica", fr.Url.AbsoluteUri.TrimEnd('/'), NodeAssembly, [],
            fr.Environment(c =>
            {
                c["Database:Migrate"] = "false";
                c["Logging:LogLevel:Default"] = "Warning";
            }));

        var job = await RunNodeAsync(OnlyEnvironment(frDatabase));
        Assert.That(job.ExitCode, Is.EqualTo(0), job.Output);

        await replica.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        Assert.That(await AppliedAsync(frDatabase), Is.EqualTo(AllMigrations()));
    }

    [Test]
    public void HealthProbe_DefaultUrl_IsReadinessOnTheFirstHttpPort()
    {
        Assert.Multiple(() =>
        {
            Assert.That(HealthProbe.DefaultUrl(null), Is.EqualTo("http://127.0.0.1:8080/health/ready"));
            Assert.That(HealthProbe.DefaultUrl("5101;5102"), Is.EqualTo("http://127.0.0.1:5101/health/ready"));
        });
    }

    [Test]
    public async Task HealthProbe_ReadyNodeAndNoNode_ExitsZeroThenOne()
    {
        await using var pair = await NodePair.StartAsync();
        var ready = await RunNodeAsync([], [HealthProbe.Command, new Uri(pair.Fr.Url, "health/ready").AbsoluteUri]);
        Assert.That(ready.ExitCode, Is.EqualTo(0), ready.Output);

        var nobody = await RunNodeAsync([], [HealthProbe.Command, $"http://127.0.0.1:{LocalPostgres.FindFreePort()}/health/ready"]);
        Assert.That(nobody.ExitCode, Is.EqualTo(1), nobody.Output);
    }

    private static Dictionary<string, string> OnlyEnvironment(string connectionString) => new()
    {
        ["ConnectionStrings__Node"] = connectionString,
        ["Database__Migrate"] = "only",
    };

    private static NodeDbContext Context(string connectionString) =>
        new(new DbContextOptionsBuilder<NodeDbContext>().UseNpgsql(connectionString).UseOpenIddict().Options);

    private static List<string> AllMigrations()
    {
        using var db = Context("Host=unused");
        return db.Database.GetMigrations().ToList();
    }

    private static async Task<List<string>> AppliedAsync(string connectionString)
    {
        await using var db = Context(connectionString);
        return (await db.Database.GetAppliedMigrationsAsync()).ToList();
    }

    private static Task<long> TableCountAsync(string connectionString) =>
        WritePath.Db.CountAsync(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");

    private sealed record Run(int ExitCode, string Output);

    /// <summary>Runs <c>dotnet CrossBorder.Node.dll</c> to its end (at most a minute) and keeps what it printed.</summary>
    private static async Task<Run> RunNodeAsync(Dictionary<string, string> environment, string[]? arguments = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        start.ArgumentList.Add(NodeAssembly);
        foreach (var argument in arguments ?? []) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the node did not exit within a minute: {await stdout}{await stderr}");
        }
        return new Run(process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Completes <see cref="Waiting"/> when the node says it waits for the migrations job.</summary>
    private sealed class WaitingLog : ILogger
    {
        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).Contains("waiting for the migrations job", StringComparison.Ordinal))
                Waiting.TrySetResult();
        }
    }
}
