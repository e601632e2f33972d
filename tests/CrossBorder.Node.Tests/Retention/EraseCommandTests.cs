using System.Net;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Commands;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.Retention;

/// <summary>The operator's <c>crossborder referrals erase</c> and <c>keys kek-status</c> against a real node pair.</summary>
public sealed class EraseCommandTests
{
    [Test]
    public async Task Erase_DryRunChangesNothing_ThenErasesFrCopyOnly_WithOneAuditEntry()
    {
        await using var pair = await NodePair.StartAsync();
        var driver = await CaseDriver.CreateAsync(pair);
        var id = await driver.SubmitAsync();
        await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(driver.Gb, $"api/v1/referrals/{id}"), r => r["id"] is not null,
            because: "GB holds the case");

        var output = new StringWriter();
        var dry = await CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", id,
            "--reason", "order 2026/17", "--dry-run"], output, TextWriter.Null);
        Assert.That(dry, Is.EqualTo(0), output.ToString());
        Assert.That(output.ToString(), Does.Contain("dry run: nothing changed").And.Contain("goes:").And.Contain("stays:"));
        Assert.That((await driver.Fr.GetAsync($"api/v1/referrals/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "a dry run erases nothing");

        Assert.That(await CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", id,
            "--reason", "order 2026/17"], TextWriter.Null, TextWriter.Null), Is.EqualTo(0));
        using var gone = await driver.Fr.GetAsync($"api/v1/referrals/{id}");
        var problem = JsonNode.Parse(await gone.Content.ReadAsStringAsync())!;
        Assert.Multiple(() =>
        {
            Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
            Assert.That(problem["code"]!.GetValue<string>(), Is.EqualTo("CB0210"));
            Assert.That(problem["erasedAt"], Is.Not.Null);
        });
        Assert.That((await driver.Fr.GetAsync($"api/v1/referrals/{id}/messages")).StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That((await driver.Gb.GetAsync($"api/v1/referrals/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK),
            "each node erases its own copy");

        await using var data = NpgsqlDataSource.Create(pair.Fr.ConnectionString);
        await using (var row = data.CreateCommand("""
            SELECT length(data_key), length(personal_data), (SELECT max(length(jws)) FROM messages WHERE referral_id = $1),
                   (SELECT count(*) FROM messages WHERE referral_id = $1 AND digest IS NOT NULL)
            FROM referrals WHERE id = $1
            """))
        {
            row.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(id) });
            await using var r = await row.ExecuteReaderAsync();
            Assert.That(await r.ReadAsync(), Is.True);
            Assert.Multiple(() =>
            {
                Assert.That(r.GetInt32(0), Is.Zero, "the data key is destroyed");
                Assert.That(r.GetInt32(1), Is.Zero, "the personal data is gone");
                Assert.That(r.GetInt32(2), Is.Zero, "the message texts are gone");
                Assert.That(r.GetInt64(3), Is.GreaterThan(0), "their digests stay");
            });
        }

        // Again: nothing more happens (one audit entry), and an unknown case is exit 1.
        Assert.That(await CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", id,
            "--reason", "order 2026/17"], TextWriter.Null, TextWriter.Null), Is.EqualTo(0));
        await using (var count = data.CreateCommand("""
            SELECT (SELECT count(*) FROM audit_pending WHERE kind = 'referral.erased' AND referral_id = $1)
                 + (SELECT count(*) FROM audit_entries WHERE kind = 'referral.erased' AND referral_id = $1)
            """))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(id) });
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "one erasure, one audit entry");
        }
        Assert.That(await CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", Guid.NewGuid().ToString(),
            "--reason", "order 2026/17"], TextWriter.Null, TextWriter.Null), Is.EqualTo(1));
        Assert.That(await CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", id,
            "--reason", ""], TextWriter.Null, TextWriter.Null), Is.EqualTo(2), "a reason is required");

        await driver.SubmitAsync();
        var status = new StringWriter();
        Assert.That(await CliApp.InvokeAsync(["keys", "kek-status", "--connection", pair.Fr.ConnectionString], status, TextWriter.Null), Is.EqualTo(0));
        Assert.That(status.ToString(), Does.Contain("k0").And.Contain("1 data key(s)"), "the erased case's key is not counted");
    }

    [Test]
    public async Task Erase_WhileAMessageIsOutWithThePeer_RefusesAndChangesNothing_ThenErases()
    {
        await using var pair = await NodePair.StartAsync();
        await pair.Gb.StopAsync(); // the submission stays queued at FR
        var client = await pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(client, NodePair.ExampleReferral());
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await using var data = NpgsqlDataSource.Create(pair.Fr.ConnectionString);

        // As a replica's claim does while it sends: a live lease on the message.
        await using (var lease = data.CreateCommand("""
            UPDATE messages SET lease_token = gen_random_uuid(), lease_until = clock_timestamp() + interval '1 hour'
            WHERE referral_id = $1 AND direction = 'outgoing'
            """))
        {
            lease.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(id) });
            Assert.That(await lease.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }
        var error = new StringWriter();
        Assert.That(await CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", id,
            "--reason", "order 2026/18"], TextWriter.Null, error), Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("being delivered"));
        Assert.That((await client.GetAsync($"api/v1/referrals/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "nothing was erased");

        await using (var ended = data.CreateCommand("UPDATE messages SET lease_token = NULL, lease_until = NULL WHERE referral_id = $1"))
        {
            ended.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(id) });
            await ended.ExecuteNonQueryAsync();
        }
        // FR's dispatcher may claim the message again meanwhile (GB is down: the attempt fails within milliseconds); each
        // refusal says why, and the erasure goes through once no send is out.
        var refusals = new StringWriter();
        await NodePair.EventuallyAsync(() => CliApp.InvokeAsync(["referrals", "erase", "--connection", pair.Fr.ConnectionString, "--referral", id,
            "--reason", "order 2026/18"], TextWriter.Null, refusals), exit => exit == 0, because: "erased once the send has ended");
        Assert.That(refusals.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.All.Contain("being delivered"));
        Assert.That((await client.GetAsync($"api/v1/referrals/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.Gone));
    }

    [Test]
    public async Task KekAdd_AddsThenActivates_AndTheNodeStartsWithIt()
    {
        var file = Path.Combine(Path.GetTempPath(), $"node-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "Node": { "Country": "FR", "KeyEncryptionKey": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" } }""");
        try
        {
            Assert.That(await CliApp.InvokeAsync(["keys", "kek-add", "--config", file], TextWriter.Null, TextWriter.Null), Is.EqualTo(0));
            var added = JsonNode.Parse(await File.ReadAllTextAsync(file))!["Node"]!;
            Assert.That(Convert.FromBase64String(added["KeyEncryptionKeys"]!["k1"]!.GetValue<string>()), Has.Length.EqualTo(32));
            Assert.That(added["CurrentKeyEncryptionKey"], Is.Null, "step 1 only adds");
            Assert.That(await CliApp.InvokeAsync(["keys", "kek-add", "--config", file, "--id", "k1"], TextWriter.Null, TextWriter.Null), Is.EqualTo(1),
                "an existing id is not replaced");
            Assert.That(await CliApp.InvokeAsync(["keys", "kek-add", "--config", file, "--id", "k1", "--activate"], TextWriter.Null, TextWriter.Null),
                Is.EqualTo(0));
            var activated = JsonNode.Parse(await File.ReadAllTextAsync(file))!["Node"]!;
            Assert.That(activated["CurrentKeyEncryptionKey"]!.GetValue<string>(), Is.EqualTo("k1"));
            Assert.That(activated["KeyEncryptionKeys"]!["k1"]!.GetValue<string>(), Is.EqualTo(added["KeyEncryptionKeys"]!["k1"]!.GetValue<string>()),
                "activating keeps the key");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
