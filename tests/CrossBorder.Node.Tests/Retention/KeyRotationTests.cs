using System.Net;
using System.Security.Cryptography;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.WritePath;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Node.Tests.Retention;

/// <summary>
/// Issue 14, key rotation: a new key-encryption key wraps new data keys, the re-wrapping job moves old ones to it
/// across a restart in the middle, the old key is removed once nothing names it, and a node that lacks a key says so.
/// </summary>
public sealed class KeyRotationTests
{
    private static readonly string K1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static void WithK1(Dictionary<string, string?> c)
    {
        c["Node:KeyEncryptionKeys:k1"] = K1;
        c["Node:CurrentKeyEncryptionKey"] = "k1";
    }

    [Test]
    public async Task Rotation_NewKey_NewCasesUseIt_OldRewrappedAcrossRestart_OldKeyRemoved_AllReadable()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var old = new List<string>();
        for (var i = 0; i < 3; i++) old.Add(await cases.SubmitAsync());
        var fr = pair.Fr.ConnectionString;
        Assert.That(await KeksAsync(fr), Is.EqualTo(old.Order().Select(id => $"{id}:k0")));

        // Hold two old rows locked (a step in progress, say): the re-wrapping job skips locked rows and takes them later.
        await using var lockFirst = await LockAsync(fr, old[0]);
        await using var lockRest = await LockAsync(fr, old[1], old[2]);
        await pair.Fr.StopAsync();
        await pair.Fr.StartAsync(WithK1);
        cases = await CaseDriver.CreateAsync(pair);

        var fresh = await cases.SubmitAsync();
        Assert.That(await KekOfAsync(fr, fresh), Is.EqualTo("k1"), "a new case's data key is wrapped by the current key");
        Assert.That((await KeksAsync(fr)).Where(k => old.Any(k.StartsWith)), Is.EqualTo(old.Order().Select(id => $"{id}:k0")),
            "nothing re-wrapped while the rows are locked");
        await AssertReadableAsync(cases.Fr, [.. old, fresh]);

        // A partial re-wrap: the job moves the rows it can lock, then the node stops.
        await lockRest.DisposeAsync();
        var rewrapper = RetentionProbe.Hosted<DataKeyRewrapper>(pair.Fr);
        await rewrapper.TickAsync(CancellationToken.None);
        await NodePair.EventuallyAsync(() => KeksAsync(fr), keks => keks.Count(k => k.EndsWith(":k1")) == 3, because: "old[1], old[2] re-wrapped");
        Assert.That(await KekOfAsync(fr, old[0]), Is.EqualTo("k0"), "the locked row is left for later");
        Assert.That(await rewrapper.UsageAsync(CancellationToken.None), Is.EquivalentTo(new Dictionary<string, int> { ["k0"] = 1, ["k1"] = 3 }));
        await AssertReadableAsync(cases.Fr, [.. old, fresh]);
        await pair.Fr.StopAsync();
        await lockFirst.DisposeAsync();

        // Restarted, the job finishes on its own (it runs at start).
        await pair.Fr.StartAsync(WithK1);
        await NodePair.EventuallyAsync(() => KeksAsync(fr), keks => keks.All(k => k.EndsWith(":k1")), because: "the restarted job finishes");
        cases = await CaseDriver.CreateAsync(pair);
        await AssertReadableAsync(cases.Fr, [.. old, fresh]);
        Assert.That(await RetentionProbe.Hosted<DataKeyRewrapper>(pair.Fr).UsageAsync(CancellationToken.None),
            Is.EquivalentTo(new Dictionary<string, int> { ["k1"] = 4 }), "nothing names k0 any more");

        // k0 removed from the configuration: everything still reads, and a re-wrapped case still sends.
        await pair.Fr.StopAsync();
        await pair.Fr.StartAsync(c =>
        {
            WithK1(c);
            c.Remove("Node:KeyEncryptionKey");
        });
        cases = await CaseDriver.CreateAsync(pair);
        await AssertReadableAsync(cases.Fr, [.. old, fresh]);
        await cases.TakeAsync(old[0], LifecycleRules.Withdrawal, ReferralStatus.Withdrawn);
        Assert.That(await Db.CountAsync(fr, "SELECT count(*) FROM referrals WHERE kek_id <> 'k1'"), Is.Zero);
    }

    [TestCase("k9", false)]
    [TestCase("k0", true)]
    public async Task Start_CurrentKeyNotConfigured_RefusesToStart(string current, bool removeK0)
    {
        var clock = new TestClock();
        await using var fr = new TestNode("FR", await TestDatabase.CreateAsync("fr"), clock);
        await using var gb = new TestNode("GB", await TestDatabase.CreateAsync("gb"), clock);
        (fr.Peer, gb.Peer) = (gb, fr);

        var refused = await AsyncAssert.ThrowsAsync<OptionsValidationException>(() => fr.StartAsync(c =>
        {
            c["Node:KeyEncryptionKeys:k1"] = K1;
            c["Node:CurrentKeyEncryptionKey"] = current;
            if (removeK0) c.Remove("Node:KeyEncryptionKey");
        }));

        Assert.That(refused!.Message, Does.Contain("Node:CurrentKeyEncryptionKey").And.Contain($"'{current}'"));
        Assert.That(fr.IsRunning, Is.False);
    }

    [Test]
    public async Task Rewrap_DataKeysUnderAKeyTheNodeLacks_LogsAnError_StillRewrapsTheRest()
    {
        await using var pair = await NodePair.StartAsync();
        var cases = await CaseDriver.CreateAsync(pair);
        var own = await cases.SubmitAsync();
        var fr = pair.Fr.ConnectionString;
        // More data keys than one batch under a key this node no longer holds (removed too early); their id sorts first.
        await CloneAsync(fr, own, DataKeyRewrapper.BatchSize + 1, "gone");

        await pair.Fr.StopAsync();
        var logs = new LogCapture();
        await pair.Fr.StartAsync(WithK1, b => b.Logging.AddProvider(logs));

        await NodePair.EventuallyAsync(() => KekOfAsync(fr, own), kek => kek == "k1", because: "the case this node can open is re-wrapped");
        var rewrapper = RetentionProbe.Hosted<DataKeyRewrapper>(pair.Fr);
        var tick = rewrapper.TickAsync(CancellationToken.None);
        Assert.That(await Task.WhenAny(tick, Task.Delay(TimeSpan.FromSeconds(20))), Is.SameAs(tick), "a pass ends though some keys cannot be moved");
        Assert.That(await rewrapper.UsageAsync(CancellationToken.None),
            Is.EquivalentTo(new Dictionary<string, int> { ["gone"] = DataKeyRewrapper.BatchSize + 1, ["k1"] = 1 }));
        await NodePair.EventuallyAsync(() => Task.FromResult(logs.Entries.ToList()),
            entries => entries.Any(e => e.Level == LogLevel.Error && e.Category.EndsWith(nameof(DataKeyRewrapper)) && e.Message.Contains("gone")),
            because: "the node says which key-encryption key it lacks");
        using var read = await cases.Fr.GetAsync($"api/v1/referrals/{own}");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private static async Task<List<string>> KeksAsync(string connectionString) =>
        (await Db.ColumnAsync(connectionString, "SELECT id || ':' || kek_id FROM referrals ORDER BY id")).Select(k => k!).ToList();

    private static async Task<string?> KekOfAsync(string connectionString, string id) =>
        (await Db.ColumnAsync(connectionString, $"SELECT kek_id FROM referrals WHERE id = '{id}'")).Single();

    private static async Task AssertReadableAsync(HttpClient ministry, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            var (status, body) = await RetentionProbe.GetAsync(ministry, $"api/v1/referrals/{id}");
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"{id}: {body}");
            Assert.That(body, Does.Contain("Haile"), $"{id}: its personal data opens");
            var (messages, text) = await RetentionProbe.GetAsync(ministry, $"api/v1/referrals/{id}/messages");
            Assert.That(messages, Is.EqualTo(HttpStatusCode.OK), $"{id} messages: {text}");
        }
    }

    /// <summary>Locks referral rows in an open transaction, as a step in progress would; disposing releases them.</summary>
    private static async Task<IAsyncDisposable> LockAsync(string connectionString, params string[] ids)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("SELECT id FROM referrals WHERE id = ANY($1) FOR UPDATE", connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = ids.Select(Guid.Parse).ToArray() });
            await cmd.ExecuteNonQueryAsync();
        }
        return new Held(connection, tx);
    }

    private sealed class Held(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        private bool _released;

        public async ValueTask DisposeAsync()
        {
            if (_released) return;
            _released = true;
            await tx.RollbackAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>Copies a referral row <paramref name="count"/> times with new ids and references, wrapped by <paramref name="kek"/>.</summary>
    private static async Task CloneAsync(string connectionString, string id, int count, string kek)
    {
        var columns = (await Db.ColumnAsync(connectionString,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'referrals' ORDER BY ordinal_position")).Select(c => c!).ToList();
        string Value(string column) => column switch
        {
            "id" => "gen_random_uuid()",
            "reference" => "reference || '-' || g",
            "kek_id" => $"'{kek}'",
            _ => column,
        };
        await Db.ExecuteAsync(connectionString, $"""
            INSERT INTO referrals ({string.Join(", ", columns)})
            SELECT {string.Join(", ", columns.Select(Value))} FROM referrals, generate_series(1, {count}) g WHERE id = '{id}'
            """);
    }
}
