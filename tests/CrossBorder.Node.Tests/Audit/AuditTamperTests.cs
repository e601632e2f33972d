using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.Audit;

/// <summary>Issue 4: rewriting the log in PostgreSQL, as an insider with superuser rights would, is detected.</summary>
public sealed class AuditTamperTests
{
    private NodePair _pair = null!;

    [SetUp]
    public async Task StartAsync() => _pair = await NodePair.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    private async Task<(HttpClient Auditor, long Size)> LogOfAsync(int tokens)
    {
        for (var i = 0; i < tokens; i++)
            (await _pair.Fr.MinistryAsync()).Dispose();
        var auditor = await _pair.Fr.AuditorAsync();
        var latest = await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: tokens);
        return (auditor, latest["treeSize"]!.GetValue<long>());
    }

    [Test]
    public async Task Verify_UntouchedLog_ExitsZero()
    {
        var (auditor, _) = await LogOfAsync(5);
        auditor.Dispose();

        var (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("OK"));
    }

    /// <summary>SQL: the entry's leaf, its kind changed from token.issued to token.revoked.</summary>
    private const string TokenIssuedToRevoked =
        "convert_to(replace(convert_from(leaf, 'UTF8'), '\"kind\":\"token.issued\"', '\"kind\":\"token.revoked\"'), 'UTF8')";

    [Test]
    public async Task Verify_NewestCheckpointAwaitingCosignature_VerifiesTheCosignedOne_UntilTheGraceRunsOut()
    {
        var (auditor, cosigned) = await LogOfAsync(4);
        var (peerKeys, ownKeys, export) = (Path.GetTempFileName(), Path.GetTempFileName(), Path.GetTempFileName());
        try
        {
            // The peer goes away: FR's next checkpoints stay uncosigned.
            await File.WriteAllTextAsync(peerKeys, _pair.Fr.Peer!.Jwks);
            await _pair.Gb.StopAsync();
            (await _pair.Fr.MinistryAsync()).Dispose();
            var newest = await NodePair.EventuallyAsync(() => NodePair.GetJsonAsync(auditor, "api/v1/audit/checkpoints/latest"),
                c => c["treeSize"]!.GetValue<long>() > cosigned && c["cosignature"] is null, because: "FR signs a checkpoint GB cannot cosign");

            var (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr, "--peer-jwks", peerKeys, "--export", export);
            Assert.That(exit, Is.Zero, output);
            Assert.That(output, Does.Contain("OK"));
            var verified = await NodePair.GetJsonAsync(auditor, "api/v1/audit/checkpoints/latest?cosigned=true");
            Assert.That(verified["treeSize"]!.GetValue<long>(), Is.InRange(cosigned, newest["treeSize"]!.GetValue<long>() - 1),
                "the newest cosigned checkpoint is older than the newest");
            Assert.That(output, Does.Contain($"OK: {verified["treeSize"]} entries verified"), "the newest cosigned checkpoint is the one verified");
            Assert.That(output, Does.Contain("newer entries verified under the node's checkpoint of size"), "and the entries after it");

            // The export holds both checkpoints and its time: offline, the same verdict.
            await File.WriteAllTextAsync(ownKeys, _pair.Fr.Jwks);
            var offline = new StringWriter();
            exit = await CrossBorder.Cli.Commands.CliApp.InvokeAsync(["audit", "verify", "--file", export, "--jwks", ownKeys, "--peer-jwks", peerKeys],
                offline, offline);
            Assert.That(exit, Is.Zero, offline.ToString());
            Assert.That(offline.ToString(), Does.Contain($"OK: {verified["treeSize"]} entries verified").And.Contain("newer entries verified"));

            // With no grace, an entry left without a cosigned checkpoint for a second (the Date header's resolution) fails the run.
            (exit, output) = await NodePair.EventuallyAsync(() => AuditProbe.VerifyAsync(_pair.Fr, "--peer-jwks", peerKeys, "--cosign-grace", "0"),
                r => r.Exit != 0, because: "the uncosigned checkpoint outlives a zero grace");
            Assert.That(exit, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain("for a checkpoint the peer cosigns"));

            // An entry after the cosigned checkpoint is checked all the same: edited, the run names it.
            var index = await AuditProbe.ScalarAsync(_pair.Fr,
                $"SELECT min(log_index) FROM audit_entries WHERE log_index >= {verified["treeSize"]} AND kind = 'token.issued'");
            await AuditProbe.TamperAsync(_pair.Fr, $"UPDATE audit_entries SET leaf = {TokenIssuedToRevoked} WHERE log_index = {index}");
            (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr, "--peer-jwks", peerKeys);
            Assert.That(exit, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain($"entry {index} "));

            // No checkpoint the peer has cosigned at all: 404, and the run says so.
            await AuditProbe.TamperAsync(_pair.Fr, "DELETE FROM audit_cosignatures");
            using var none = await auditor.GetAsync("api/v1/audit/checkpoints/latest?cosigned=true");
            Assert.That(none.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound));
            Assert.That(await none.Content.ReadAsStringAsync(), Does.Contain("CB0207"));
            (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr, "--peer-jwks", peerKeys);
            Assert.That(exit, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain("no checkpoint its peer has cosigned"));
        }
        finally
        {
            File.Delete(peerKeys);
            File.Delete(ownKeys);
            File.Delete(export);
            auditor.Dispose();
        }
    }

    [TestCase(false, TestName = "Verify_LeafEditedInDatabase_FailsNamingIndex")]
    [TestCase(true, TestName = "Verify_LeafAndLeafHashEditedInDatabase_FailsNamingIndex")]
    public async Task Verify_EntryEditedInDatabase_FailsNamingIndex(bool alsoLeafHash)
    {
        var (auditor, size) = await LogOfAsync(9);
        auditor.Dispose();
        var index = size / 2;
        var edit = TokenIssuedToRevoked;
        var tampered = await AuditProbe.ScalarAsync(_pair.Fr, $"SELECT count(*) FROM audit_entries WHERE log_index = {index} AND kind = 'token.issued'");
        Assume.That(tampered, Is.EqualTo(1), "the chosen entry is a token issuance");

        await AuditProbe.TamperAsync(_pair.Fr, alsoLeafHash
            ? $"UPDATE audit_entries SET leaf = {edit}, leaf_hash = sha256('\\x00'::bytea || {edit}) WHERE log_index = {index}"
            : $"UPDATE audit_entries SET leaf = {edit} WHERE log_index = {index}");
        var (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr);

        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain($"entry {index} "));
    }

    [Test]
    public async Task Update_AsApplication_RefusedByTrigger()
    {
        var (auditor, _) = await LogOfAsync(1);
        auditor.Dispose();
        await using var connection = new NpgsqlConnection(_pair.Fr.ConnectionString);
        await connection.OpenAsync();

        foreach (var sql in new[]
                 {
                     "UPDATE audit_entries SET kind = 'x' WHERE log_index = 0",
                     "DELETE FROM audit_entries WHERE log_index = 0",
                     "DELETE FROM audit_checkpoints",
                     "TRUNCATE audit_tree_nodes",
                 })
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            var e = await AsyncAssert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.That(e!.MessageText, Does.Contain("append-only"), sql);
        }
    }

    [Test]
    public async Task Witness_TailDeleted_PeerRefusesAndVerifierFails()
    {
        var (auditor, logged) = await LogOfAsync(8);
        var saved = Path.GetTempFileName();
        try
        {
            var (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr, "--save", saved);
            Assert.That(exit, Is.Zero, output);
            // The verify run took a token of its own: one more entry, which FR sequences and GB cosigns after the run. The
            // log GB witnessed (and the insider shortens) is the one settled with it.
            var size = (await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: logged + 1))["treeSize"]!.GetValue<long>();
            var witnessed = await AuditProbe.ScalarAsync(_pair.Gb, "SELECT max(tree_size) FROM audit_witness WHERE origin = 'crossborder/FR'");
            Assert.That(witnessed, Is.EqualTo(size), "GB witnessed FR's whole log");

            // The insider removes FR's last entries and every trace of the larger tree, then restarts the node.
            await _pair.Fr.StopAsync();
            var keep = size - 3;
            await AuditProbe.TamperAsync(_pair.Fr, $"""
                DELETE FROM audit_entries WHERE log_index >= {keep};
                DELETE FROM audit_tree_nodes WHERE (position + 1) * (1::bigint << level) > {keep};
                DELETE FROM audit_checkpoints WHERE tree_size > {keep};
                DELETE FROM audit_cosignatures WHERE tree_size > {keep};
                """);
            await _pair.Fr.StartAsync();
            (await _pair.Fr.MinistryAsync()).Dispose(); // new entries: FR signs a new checkpoint and asks GB to cosign it

            using var gbAuditor = await _pair.Gb.AuditorAsync();
            var refused = await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(gbAuditor, $"&kind={AuditKinds.SecurityWitnessRefused}"),
                e => e.Count > 0, TimeSpan.FromSeconds(30), "GB refuses FR's rewritten log");
            Assert.That(refused[0]["peer"]!.GetValue<string>(), Is.EqualTo("FR"));
            Assert.That(refused[0]["code"]!.GetValue<string>(), Is.AnyOf("CB0204", "CB0205"));
            Assert.That(await AuditProbe.ScalarAsync(_pair.Gb, "SELECT max(tree_size) FROM audit_witness WHERE origin = 'crossborder/FR'"),
                Is.EqualTo(size), "GB's witness state still holds FR's original size");

            using var frAuditor = await _pair.Fr.AuditorAsync();
            var latest = await NodePair.GetJsonAsync(frAuditor, "api/v1/audit/checkpoints/latest");
            Assert.That(latest["cosignature"], Is.Null, "the rewritten log's checkpoint is never cosigned");
            (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr, "--previous", saved);
            Assert.That(exit, Is.EqualTo(1), output);
        }
        finally
        {
            File.Delete(saved);
            auditor.Dispose();
        }
    }
}
