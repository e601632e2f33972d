using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Signing;
using CrossBorder.Node.Tests.Infrastructure;

namespace CrossBorder.Node.Tests.Audit;

/// <summary>Issue 4: what the log records, its proofs and checkpoints, and the auditor API's formats.</summary>
public sealed class AuditLogTests
{
    private NodePair _pair = null!;

    [SetUp]
    public async Task StartAsync() => _pair = await NodePair.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task Entries_ReferralDeliveredAndRead_RecordedOnBothSidesWithoutPersonalData()
    {
        using var ministry = await _pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral());
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();
        using var read = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}");
        read.Headers.Add("X-Purpose", "case-review");
        using var readResponse = await ministry.SendAsync(read);
        Assert.That(readResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        using var frAuditor = await _pair.Fr.AuditorAsync();
        using var gbAuditor = await _pair.Gb.AuditorAsync();
        var fr = await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(frAuditor, $"&referralId={id}"),
            // The read and the delivery are separate transactions, sequenced in whichever round sees them committed.
            e => e.Any(x => x["kind"]!.GetValue<string>() == AuditKinds.MessageDelivered)
                 && e.Any(x => x["kind"]!.GetValue<string>() == AuditKinds.PersonalDataRead), because: "FR logs the delivery and the read");
        var gb = await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(gbAuditor, $"&referralId={id}"),
            e => e.Any(x => x["kind"]!.GetValue<string>() == AuditKinds.MessageReceived), because: "GB logs the receipt");

        var frKinds = fr.Select(e => e["kind"]!.GetValue<string>()).ToList();
        Assert.That(frKinds, Does.Contain(AuditKinds.MessageSent).And.Contain(AuditKinds.StepTaken).And.Contain(AuditKinds.PersonalDataRead));
        var sent = fr.First(e => e["kind"]!.GetValue<string>() == AuditKinds.MessageSent);
        var received = gb.First(e => e["kind"]!.GetValue<string>() == AuditKinds.MessageReceived);
        var delivered = fr.First(e => e["kind"]!.GetValue<string>() == AuditKinds.MessageDelivered);
        Assert.That(received["digest"]!.GetValue<string>(), Is.EqualTo(sent["digest"]!.GetValue<string>()), "both sides log the same JWS digest");
        Assert.That(delivered["receiptDigest"]!.GetValue<string>(), Is.EqualTo(received["receiptDigest"]!.GetValue<string>()));
        var personal = fr.First(e => e["kind"]!.GetValue<string>() == AuditKinds.PersonalDataRead);
        Assert.That(personal["purpose"]!.GetValue<string>(), Is.EqualTo("case-review"));
        Assert.That(personal["client"]!.GetValue<string>(), Is.EqualTo(_pair.Fr.MinistryClientId));

        var everything = (await AuditProbe.EntriesAsync(frAuditor)).Concat(await AuditProbe.EntriesAsync(gbAuditor))
            .Select(e => Encoding.UTF8.GetString(AuditProbe.Leaf(e)));
        Assert.That(everything, Has.None.Contains(Security.FrImpersonator.ChildSurname));
    }

    [Test]
    public async Task Checkpoint_Latest_SignedByNodeAndCosignedByPeer()
    {
        using var ministry = await _pair.Fr.MinistryAsync(); // a token issued: one entry at least
        using var auditor = await _pair.Fr.AuditorAsync();

        var latest = await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor);

        var checkpoint = Checkpoint.Verify(latest["checkpoint"]!.GetValue<string>(), new KeyRing([_pair.Fr.Key.PublicJwk()]), out var error);
        Assert.That(checkpoint, Is.Not.Null, error);
        Assert.That(checkpoint!.Origin, Is.EqualTo("crossborder/FR"));
        Assert.That(checkpoint.TreeSize, Is.EqualTo(latest["treeSize"]!.GetValue<long>()));
        Assert.That(Base64Url.EncodeToString(checkpoint.RootHash), Is.EqualTo(latest["rootHash"]!.GetValue<string>()));
        Assert.That(latest["cosignature"]!["witness"]!.GetValue<string>(), Is.EqualTo("GB"));
        Assert.That(Checkpoint.VerifyCosignature(latest["checkpoint"]!.GetValue<string>(), latest["cosignature"]!["jws"]!.GetValue<string>(),
            new KeyRing([_pair.Gb.Key.PublicJwk()]), out error), Is.True, error);
    }

    [Test]
    public async Task Proofs_EveryEntry_VerifyAgainstSignedRoot()
    {
        for (var i = 0; i < 6; i++)
            (await _pair.Fr.MinistryAsync()).Dispose();
        using var auditor = await _pair.Fr.AuditorAsync();
        var latest = await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: 6);
        var size = latest["treeSize"]!.GetValue<long>();
        var root = Base64Url.DecodeFromChars(latest["rootHash"]!.GetValue<string>());
        var entries = await AuditProbe.EntriesAsync(auditor, limit: 3);
        Assert.That(entries.Select(e => e["index"]!.GetValue<long>()), Is.EqualTo(Enumerable.Range(0, (int)size).Select(i => (long)i)));

        foreach (var entry in entries)
        {
            var index = entry["index"]!.GetValue<long>();
            var proof = await NodePair.GetJsonAsync(auditor, $"api/v1/audit/entries/{index}/proof?treeSize={size}");
            var path = proof["auditPath"]!.AsArray().Select(h => Base64Url.DecodeFromChars(h!.GetValue<string>())).ToList();
            Assert.That(proof["rootHash"]!.GetValue<string>(), Is.EqualTo(latest["rootHash"]!.GetValue<string>()));
            Assert.That(MerkleVerifier.VerifyInclusion(MerkleHash.Leaf(AuditProbe.Leaf(entry)), index, size, path, root), Is.True, $"entry {index}");
        }
        for (long from = 1; from < size; from++)
        {
            var older = MerkleTree.Root(entries.Take((int)from).Select(e => MerkleHash.Leaf(AuditProbe.Leaf(e))).ToList(), from);
            var proof = await NodePair.GetJsonAsync(auditor, $"api/v1/audit/consistency?from={from}&to={size}");
            var hashes = proof["proof"]!.AsArray().Select(h => Base64Url.DecodeFromChars(h!.GetValue<string>())).ToList();
            Assert.That(MerkleVerifier.VerifyConsistency(from, size, older, root, hashes), Is.True, $"from {from}");
        }
    }

    [Test]
    public async Task Entries_AcceptCsv_ReturnsCsvWithHeader()
    {
        using var auditor = await _pair.Fr.AuditorAsync();
        await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/audit/entries?kind=token.issued");
        request.Headers.Accept.ParseAdd("text/csv");

        using var response = await auditor.SendAsync(request);

        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith("index,time,kind,client"));
        Assert.That(lines.Skip(1), Has.All.Contains("\"token.issued\""));
        Assert.That(lines, Has.Length.GreaterThan(1));
    }

    [TestCase("api/v1/audit/entries?limit=0", "CB0001")]
    [TestCase("api/v1/audit/entries?limit=1001", "CB0001")]
    [TestCase("api/v1/audit/entries?cursor=abc", "CB0001")]
    [TestCase("api/v1/audit/entries/999999/proof", "CB0201")]
    [TestCase("api/v1/audit/entries/0/proof?treeSize=999999", "CB0201")]
    [TestCase("api/v1/audit/consistency?from=5&to=2", "CB0201")]
    [TestCase("api/v1/audit/consistency?from=0", "CB0001")]
    public async Task AuditApi_BadInput_ProblemDocument(string path, string code)
    {
        using var auditor = await _pair.Fr.AuditorAsync();

        using var response = await auditor.GetAsync(path);

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!.GetValue<string>(), Is.EqualTo(code));
    }

    [Test]
    public async Task GetReferral_InvalidPurpose_BadRequestAndNoRead()
    {
        using var ministry = await _pair.Fr.MinistryAsync();
        using var created = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral());
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();
        using var read = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}");
        read.Headers.Add("X-Purpose", new string('x', 101));

        using var response = await ministry.SendAsync(read);

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!.GetValue<string>(), Is.EqualTo("CB0206"));
        Assert.That(await AuditProbe.ScalarAsync(_pair.Fr, "SELECT count(*) FROM audit_pending WHERE kind = 'personal_data.read'")
            + await AuditProbe.ScalarAsync(_pair.Fr, "SELECT count(*) FROM audit_entries WHERE kind = 'personal_data.read'"), Is.Zero);
    }

    [Test]
    public async Task Sequencer_ManyParallelRequests_GapFreeSequence()
    {
        const int writers = 24;
        using var ministry = await _pair.Fr.MinistryAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            using var r = await NodePair.PostReferralAsync(ministry, NodePair.ExampleReferral());
            var token = await _pair.Fr.MinistryAsync(); // token issuance writes outside any business transaction
            token.Dispose();
            return r.StatusCode;
        }));
        Assert.That(responses, Has.All.EqualTo(HttpStatusCode.Created));

        using var auditor = await _pair.Fr.AuditorAsync();
        var latest = await AuditProbe.SettledCheckpointAsync(_pair.Fr, auditor, atLeast: 3 * writers);
        var entries = await AuditProbe.EntriesAsync(auditor, limit: 17);

        var size = latest["treeSize"]!.GetValue<long>();
        Assert.That(entries.Select(e => e["index"]!.GetValue<long>()), Is.EqualTo(Enumerable.Range(0, (int)size).Select(i => (long)i)));
        Assert.That(entries.Select(e => AuditEntry.FromLeaf(AuditProbe.Leaf(e)).Index), Is.EqualTo(entries.Select(e => e["index"]!.GetValue<long>())));
        Assert.That(entries.Count(e => e["kind"]!.GetValue<string>() == AuditKinds.MessageSent), Is.EqualTo(writers));
        var (exit, output) = await AuditProbe.VerifyAsync(_pair.Fr);
        Assert.That(exit, Is.Zero, output);
    }
}
