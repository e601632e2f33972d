using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Evidence;
using CrossBorder.Core.Audit;
using CrossBorder.Core.Evidence;
using CrossBorder.Core.Lifecycle;
using CrossBorder.Node.Tests.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.Security;
using LifecycleRules = CrossBorder.Core.Lifecycle.Lifecycle;

namespace CrossBorder.Node.Tests.Evidence;

/// <summary>
/// Issue 14, evidence pack: a case driven through both nodes over HTTP (submitted, accepted, transfer proposed and
/// completed: messages both ways), exported from FR, verified by the project's verifier, by the CLI and by an independent
/// check written from docs/evidence-pack.md; then each part tampered with.
/// </summary>
public sealed class EvidencePackTests
{
    private const string Purpose = "court-order-2026-17";

    private NodePair _pair = null!;
    private string _id = null!;
    private string _auditorPack = null!;
    private string _fullPack = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public async Task DriveCaseAsync()
    {
        // FR states a validity for its key (from 2020); GB's key is stated with open ends.
        _pair = await NodePair.StartAsync(adjust: (country, c) =>
        {
            if (country == "FR")
            {
                c["Evidence:Keys:0:Kid"] = c["Node:SigningKey:Kid"];
                c["Evidence:Keys:0:ValidFrom"] = "2020-01-01T00:00:00Z";
            }
        });
        var driver = await CaseDriver.CreateAsync(_pair);
        _id = await driver.SubmitAsync();
        await driver.TakeAsync(_id, LifecycleRules.Decision, ReferralStatus.Accepted);
        await driver.TakeAsync(_id, LifecycleRules.TransferProposal, ReferralStatus.TransferPlanned);
        await driver.TakeAsync(_id, LifecycleRules.TransferCompletion, ReferralStatus.Transferred);

        // Until every message and receipt is recorded in FR's log under a checkpoint GB cosigned.
        using var auditor = await _pair.Fr.AuditorAsync();
        _auditorPack = await CompletePackAsync(auditor);

        using var ministry = await _pair.Fr.MinistryAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{_id}/evidence?include=personal-data");
        request.Headers.Add("X-Purpose", Purpose);
        using var full = await ministry.SendAsync(request);
        _fullPack = await full.Content.ReadAsStringAsync();
        Assert.That(full.StatusCode, Is.EqualTo(HttpStatusCode.OK), _fullPack);
        _dir = Directory.CreateTempSubdirectory("evidence-").FullName;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _pair.DisposeAsync();
        if (_dir is not null) Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void Pack_CaseThroughBothNodes_HoldsEveryMessageReceiptAndProof()
    {
        foreach (var text in new[] { _auditorPack, _fullPack })
        {
            var result = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(text));
            Assert.That(result.Failure, Is.Null);
            Assert.That(result.IsValid, Is.True);
            var pack = JsonNode.Parse(text)!;
            var messages = pack["messages"]!.AsArray();
            Assert.That(messages, Has.Count.EqualTo(4), "submission, decision, transfer proposal, transfer completion");
            Assert.That(messages.Select(m => m!["receipt"]), Has.All.Not.Null, "every message has its receipt");
            Assert.That(pack["auditEntries"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(8), "sent/received and delivered entries of four messages at least");
            Assert.That(pack["earlierCheckpoints"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(1), "the first entries were cosigned before the last");
            Assert.That(result.Checks, Has.Some.StartsWith("manifest: ES256 signature by FR"));
            Assert.That(result.Checks, Has.Some.StartsWith("checkpoint: ").And.Some.Contains("cosigned by GB"));
            Assert.That(result.Checks.Count(c => c.StartsWith("messages[", StringComparison.Ordinal) && c.Contains(".receipt: ")), Is.EqualTo(4));
        }
        var keys = JsonNode.Parse(_fullPack)!["keys"]!.AsArray();
        Assert.That(keys.Select(k => k!["node"]!.GetValue<string>()), Is.EqualTo(new[] { "FR", "GB" }));
        Assert.That(keys[0]!["validFrom"]!.GetValue<string>(), Is.EqualTo("2020-01-01T00:00:00.000Z"));
        Assert.That(keys[1]!["validFrom"], Is.Null);
    }

    [Test]
    public void Pack_IndependentCheckFromTheDocument_Verifies()
    {
        IndependentPackCheck.Verify(JsonNode.Parse(_auditorPack)!.AsObject());
        IndependentPackCheck.Verify(JsonNode.Parse(_fullPack)!.AsObject());
    }

    [Test]
    public void Pack_WithoutPersonalData_GivesDigestsOnly()
    {
        var pack = JsonNode.Parse(_auditorPack)!;
        Assert.That(pack["messages"]!.AsArray().Select(m => m!["jws"]), Has.All.Null);
        Assert.That(_auditorPack, Does.Not.Contain("Haile"), "the child's surname");
        var full = JsonNode.Parse(_fullPack)!;
        Assert.That(full["messages"]!.AsArray().Select(m => m!["jws"]), Has.All.Not.Null);
        // The same messages: the full pack's JWS hash to the auditor pack's digests.
        Assert.That(full["messages"]!.AsArray().Select(m => Jws(m!["jws"]!.GetValue<string>())),
            Is.EqualTo(pack["messages"]!.AsArray().Select(m => m!["sha256"]!.GetValue<string>())));
        Assert.That(ManifestOf(_auditorPack)["personalData"]!.GetValue<bool>(), Is.False);
        Assert.That(ManifestOf(_fullPack)["personalData"]!.GetValue<bool>(), Is.True);
    }

    public static IEnumerable<TestCaseData> Tampers()
    {
        TestCaseData Case(string name, bool full, Action<JsonNode> tamper, string part) =>
            new TestCaseData(full, tamper, part).SetName($"Tampered_{name}_NamesPart");
        yield return Case("MessageJws", true, p => p["messages"]![1]!["jws"] = Flip(p["messages"]![1]!["jws"]!, Segment.Payload), "messages[1]");
        yield return Case("MessageDigest", false, p => p["messages"]![1]!["sha256"] = Flip(p["messages"]![1]!["sha256"]!), "messages[1]");
        yield return Case("Receipt", false, p => p["messages"]![0]!["receipt"] = Flip(p["messages"]![0]!["receipt"]!, Segment.Payload), "messages[0].receipt");
        yield return Case("ReceiptSignature", true, p => p["messages"]![2]!["receipt"] = Flip(p["messages"]![2]!["receipt"]!, Segment.Signature), "messages[2].receipt");
        yield return Case("AuditLeaf", false, p => p["auditEntries"]![1]!["leaf"] = Flip(p["auditEntries"]![1]!["leaf"]!), "auditEntries[1].leaf");
        yield return Case("ProofNode", false, p => p["auditEntries"]![0]!["inclusionProof"]![0] = Flip(p["auditEntries"]![0]!["inclusionProof"]![0]!), "auditEntries[0].inclusionProof");
        yield return Case("Checkpoint", false, p => p["checkpoint"]!["jws"] = Flip(p["checkpoint"]!["jws"]!, Segment.Payload), "checkpoint.jws");
        yield return Case("Cosignature", false, p => p["checkpoint"]!["cosignature"] = Flip(p["checkpoint"]!["cosignature"]!, Segment.Signature), "checkpoint.cosignature");
        yield return Case("ConsistencyProof", false, p => p["earlierCheckpoints"]![0]!["consistencyProof"]![0] = Flip(p["earlierCheckpoints"]![0]!["consistencyProof"]![0]!), "earlierCheckpoints[0].consistencyProof");
        yield return Case("PeerKeyPoint", false, p => p["keys"]![1]!["jwk"]!["x"] = Flip(p["keys"]![1]!["jwk"]!["x"]!), "keys[1]");
        yield return Case("ProducerKeyValidity", false, p => p["keys"]![0]!["validFrom"] = "2020-01-02T00:00:00.000Z", "keys[0]");
        yield return Case("ManifestSignature", false, p => p["manifest"] = Flip(p["manifest"]!, Segment.Signature), "manifest");
        yield return Case("ManifestPayload", true, p => p["manifest"] = Flip(p["manifest"]!, Segment.Payload, at: 3), "manifest");
        yield return Case("Format", false, p => p["format"] = "crossborder-evidence/2", "format");
    }

    [TestCaseSource(nameof(Tampers))]
    public void Tampered(bool full, Action<JsonNode> tamper, string part)
    {
        var pack = JsonNode.Parse(full ? _fullPack : _auditorPack)!;
        tamper(pack);
        var result = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(pack.ToJsonString()));
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Failure!.Part, Is.EqualTo(part), result.Failure.ToString());
    }

    /// <summary>Every change of one byte anywhere in the values of the pack is caught (a sweep over every string, one char each).</summary>
    [Test]
    public void Tampered_EveryStringValue_Fails()
    {
        var original = JsonNode.Parse(_auditorPack)!;
        var paths = new List<string>();
        Strings(original, "", paths);
        var caught = 0;
        foreach (var path in paths)
        {
            var pack = JsonNode.Parse(_auditorPack)!;
            var (parent, key) = Locate(pack, path);
            var value = (key is int i ? parent[i] : parent[(string)key])!.GetValue<string>();
            var flipped = Flip(JsonValue.Create(value)!, Segment.Whole, at: value.Length / 2);
            if (key is int j) parent[j] = flipped;
            else parent[(string)key] = flipped;
            var result = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(pack.ToJsonString()));
            Assert.That(result.IsValid, Is.False, $"a changed {path} went unnoticed");
            caught++;
        }
        Assert.That(caught, Is.GreaterThan(30));
    }

    public static IEnumerable<TestCaseData> Reseals()
    {
        TestCaseData Case(string name, bool full, Action<JsonNode> tamper, string part) =>
            new TestCaseData(full, tamper, part).SetName($"Resealed_{name}_FailsOnTheSignedClaim");
        yield return Case("MessagePayload", true, p => p["messages"]![1]!["jws"] = Flip(p["messages"]![1]!["jws"]!, Segment.Payload), "messages[1]");
        yield return Case("ReceiptSignature", false, p => p["messages"]![3]!["receipt"] = Flip(p["messages"]![3]!["receipt"]!, Segment.Signature), "messages[3].receipt");
        yield return Case("ReceiptOfAnotherMessage", false, p => p["messages"]![1]!["receipt"] = p["messages"]![2]!["receipt"]!.DeepClone(), "messages[1].receipt");
        yield return Case("MessageLeftOut", false, p => p["messages"]!.AsArray().RemoveAt(1), "messages");
        yield return Case("ProofNode", false, p => p["auditEntries"]![2]!["inclusionProof"]![0] = Flip(p["auditEntries"]![2]!["inclusionProof"]![0]!), "auditEntries[2].inclusionProof");
        yield return Case("CheckpointSignature", false, p => p["checkpoint"]!["jws"] = Flip(p["checkpoint"]!["jws"]!, Segment.Signature), "checkpoint.jws");
        yield return Case("CosignatureOfEarlierCheckpoint", false, p => p["checkpoint"]!["cosignature"] = p["earlierCheckpoints"]![0]!["cosignature"]!.DeepClone(), "checkpoint.cosignature");
        yield return Case("PeerKeyNotYetValid", false, p => p["keys"]![1]!["validFrom"] = "2100-01-01T00:00:00.000Z", "checkpoint.cosignature");
    }

    /// <summary>The producer itself re-signs the manifest over altered parts: what the other node signed still does not hold.</summary>
    [TestCaseSource(nameof(Reseals))]
    public void Resealed(bool full, Action<JsonNode> tamper, string part)
    {
        var pack = JsonNode.Parse(full ? _fullPack : _auditorPack)!;
        tamper(pack);
        var parsed = JsonSerializer.Deserialize<EvidencePack>(pack.ToJsonString(), EvidenceFormat.Json)!;
        var resealed = EvidencePackWriter.Seal(parsed, Guid.Parse(_id), "FR", _pair.Clock.GetUtcNow(), full, _pair.Fr.Key);
        var result = EvidenceVerifier.Verify(resealed);
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Failure!.Part, Is.EqualTo(part), result.Failure.ToString());
    }

    [Test]
    public async Task Cli_ExportThenVerify_ExitsZeroAndTamperedFileExitsOne()
    {
        var file = Path.Combine(_dir, "pack.json");
        var exported = await new EvidenceExportCommand(TextWriter.Null).RunAsync(_pair.Fr.Url, _pair.Fr.AuditorClientId, _pair.Fr.AuditorSecret,
            Guid.Parse(_id), file, personalData: false, purpose: null, CancellationToken.None);
        Assert.That(exported, Is.EqualTo(ExitCodes.Ok));

        var output = new StringWriter();
        Assert.That(await new EvidenceVerifyCommand(output, TextWriter.Null).RunAsync(file, CancellationToken.None), Is.EqualTo(ExitCodes.Ok), output.ToString());
        Assert.That(output.ToString(), Does.Contain("VERIFIED").And.Contain("ok    checkpoint: "));
        Assert.That(await CliApp.InvokeAsync(["evidence", "verify", file], TextWriter.Null, TextWriter.Null),
            Is.EqualTo(ExitCodes.Ok), "the file as the word after 'evidence verify'");

        var pack = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        pack["messages"]![0]!["receipt"] = Flip(pack["messages"]![0]!["receipt"]!, Segment.Payload);
        await File.WriteAllTextAsync(file, pack.ToJsonString());
        output = new StringWriter();
        Assert.That(await new EvidenceVerifyCommand(output, TextWriter.Null).RunAsync(file, CancellationToken.None), Is.EqualTo(ExitCodes.Failure));
        Assert.That(output.ToString(), Does.Contain("FAILED messages[0].receipt: "));
    }

    [Test]
    public async Task Cli_UnknownCaseOrBadCommandLine_ExitsNonZero()
    {
        var file = Path.Combine(_dir, "none.json");
        var exported = await new EvidenceExportCommand(TextWriter.Null).RunAsync(_pair.Fr.Url, _pair.Fr.AuditorClientId, _pair.Fr.AuditorSecret,
            Guid.CreateVersion7(), file, personalData: false, purpose: null, CancellationToken.None);
        Assert.That(exported, Is.EqualTo(ExitCodes.Failure), "404 from the node");
        Assert.That(File.Exists(file), Is.False, "nothing written");

        static Task<int> Cli(string[] args) => CliApp.InvokeAsync(args, TextWriter.Null, TextWriter.Null);
        Assert.That(await Cli(["evidence", "verify"]), Is.EqualTo(ExitCodes.Usage), "no file");
        Assert.That(await Cli(["evidence", "verify", file]), Is.EqualTo(ExitCodes.Usage), "no such file");
        Assert.That(await Cli(["evidence", "export", "--url", _pair.Fr.Url.AbsoluteUri, "--client-id", "x", "--client-secret", "y",
            "--referral", "not-a-uuid", "--out", file]), Is.EqualTo(ExitCodes.Usage));
        Assert.That(await Cli(["evidence", "export", "stray", "--url", _pair.Fr.Url.AbsoluteUri, "--client-id", "x", "--client-secret", "y",
            "--referral", _id, "--out", file]), Is.EqualTo(ExitCodes.Usage),
            "export takes no bare word");
        await File.WriteAllTextAsync(file, "{}");
        Assert.That(await Cli(["evidence", "verify", file]), Is.EqualTo(ExitCodes.Failure), "not a pack");
    }

    [Test]
    public async Task Cli_ExportWithPersonalData_ByMinistryClient_Verifies()
    {
        var file = Path.Combine(_dir, "full.json");
        var exported = await new EvidenceExportCommand(TextWriter.Null).RunAsync(_pair.Fr.Url, _pair.Fr.MinistryClientId, _pair.Fr.MinistrySecret,
            Guid.Parse(_id), file, personalData: true, purpose: "cli-export", CancellationToken.None);
        Assert.That(exported, Is.EqualTo(ExitCodes.Ok));
        var result = EvidenceVerifier.Verify(await File.ReadAllBytesAsync(file));
        Assert.That(result.IsValid, Is.True, result.Failure?.ToString());
        Assert.That(result.Manifest!.PersonalData, Is.True);
    }

    [Test]
    public async Task Get_MinistryWithPersonalData_IsAnAuditedRead()
    {
        using var auditor = await _pair.Fr.AuditorAsync();
        var reads = await NodePair.EventuallyAsync(
            () => AuditProbe.EntriesAsync(auditor, $"&referralId={_id}&kind={AuditKinds.PersonalDataRead}"),
            entries => entries.Any(e => e["detail"]?.GetValue<string>() == "evidence"), because: "the evidence read is in the log");
        var read = reads.First(e => e["detail"]?.GetValue<string>() == "evidence");
        Assert.That(read["client"]!.GetValue<string>(), Is.EqualTo(_pair.Fr.MinistryClientId));
        Assert.That(read["purpose"]!.GetValue<string>(), Is.EqualTo(Purpose));
        Assert.That(read["referralId"]!.GetValue<string>(), Is.EqualTo(_id));
        Assert.That(read["time"], Is.Not.Null);
        // The auditor's own exports read no personal data: no read entry names the auditor.
        Assert.That(reads.Select(e => e["client"]!.GetValue<string>()), Has.None.EqualTo(_pair.Fr.AuditorClientId));
    }

    [Test]
    public async Task Get_AuditorAsksForPersonalData_ForbiddenAndRecorded()
    {
        using var auditor = await _pair.Fr.AuditorAsync();
        using var response = await auditor.GetAsync($"api/v1/referrals/{_id}/evidence?include=personal-data");
        await SecurityAssert.ProblemAsync(response, 403, "CB0011");
        await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(auditor, $"&kind={AuditKinds.SecurityForbidden}&client={_pair.Fr.AuditorClientId}"),
            e => e.Count >= 1, because: "the refusal is a security event");
    }

    [Test]
    public async Task Get_ClientWithoutReadScope_Forbidden()
    {
        using var writer = await _pair.Fr.MinistryAsync("referrals.write");
        using var plain = await writer.GetAsync($"api/v1/referrals/{_id}/evidence");
        await SecurityAssert.ProblemAsync(plain, 403, "CB0011");
        using var withData = await writer.GetAsync($"api/v1/referrals/{_id}/evidence?include=personal-data");
        await SecurityAssert.ProblemAsync(withData, 403, "CB0011");
        using var anonymous = _pair.Fr.Anonymous();
        using var unauthenticated = await anonymous.GetAsync($"api/v1/referrals/{_id}/evidence");
        Assert.That(unauthenticated.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Get_UnknownCaseOrBadInput_404Or400()
    {
        using var auditor = await _pair.Fr.AuditorAsync();
        using var unknown = await auditor.GetAsync($"api/v1/referrals/{Guid.CreateVersion7()}/evidence");
        await SecurityAssert.ProblemAsync(unknown, 404, "CB0006");
        using var ministry = await _pair.Fr.MinistryAsync();
        using var unknownFull = await ministry.GetAsync($"api/v1/referrals/{Guid.CreateVersion7()}/evidence?include=personal-data");
        await SecurityAssert.ProblemAsync(unknownFull, 404, "CB0006");
        using var include = await auditor.GetAsync($"api/v1/referrals/{_id}/evidence?include=everything");
        await SecurityAssert.ProblemAsync(include, 400, "CB0001");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{_id}/evidence?include=personal-data");
        request.Headers.Add("X-Purpose", "-starts with a sign");
        using var purpose = await ministry.SendAsync(request);
        await SecurityAssert.ProblemAsync(purpose, 400, "CB0206");
        // Regression (contract fuzzer): a bad X-Purpose without include was answered 200.
        using var auditorRequest = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{_id}/evidence");
        auditorRequest.Headers.Add("X-Purpose", "-starts with a sign");
        using var auditorPurpose = await auditor.SendAsync(auditorRequest);
        await SecurityAssert.ProblemAsync(auditorPurpose, 400, "CB0206");
    }

    [Test]
    public async Task Get_PeerNodeHoldsItsOwnPack_Verifies()
    {
        using var auditor = await _pair.Gb.AuditorAsync();
        var text = await CompletePackAsync(auditor);
        Assert.That(ManifestOf(text)["producer"]!.GetValue<string>(), Is.EqualTo("GB"));
        // Both packs hold the same four messages (by digest) and the same receipts.
        Assert.That(Messages(text), Is.EqualTo(Messages(_auditorPack)));
        IndependentPackCheck.Verify(JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>Waits until the node's pack verifies with every message and receipt recorded under a cosigned checkpoint.</summary>
    private async Task<string> CompletePackAsync(HttpClient auditor)
    {
        var (text, _) = await NodePair.EventuallyAsync(async () =>
            {
                using var response = await auditor.GetAsync($"api/v1/referrals/{_id}/evidence");
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                    return ("", $"{(int)response.StatusCode} {body}");
                var result = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(body));
                return (body, result.Failure?.ToString() ?? string.Join("; ", result.Notes));
            },
            v => v.Item1.Length > 0 && v.Item2.Length == 0, TimeSpan.FromSeconds(30), "a pack whose every message and receipt is in the log");
        return text;
    }

    private static IEnumerable<(string?, string?)> Messages(string pack) =>
        JsonNode.Parse(pack)!["messages"]!.AsArray().Select(m => (m!["sha256"]?.GetValue<string>(), m["receipt"]?.GetValue<string>()));

    private static JsonNode ManifestOf(string pack) =>
        JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(JsonNode.Parse(pack)!["manifest"]!.GetValue<string>().Split('.')[1]))!;

    private static string Jws(string compact) => CrossBorder.Core.Signing.Jws.Digest(compact);

    public enum Segment { Whole, Payload, Signature }

    /// <summary>Changes one base64url character (of the whole value, or of one JWS segment) to another.</summary>
    private static JsonNode Flip(JsonNode value, Segment segment = Segment.Whole, int? at = null)
    {
        var text = value.GetValue<string>();
        var start = 0;
        var length = text.Length;
        if (segment != Segment.Whole)
        {
            var dots = text.Split('.');
            var index = segment == Segment.Payload ? 1 : 2;
            start = dots.Take(index).Sum(d => d.Length + 1);
            length = dots[index].Length;
        }
        var position = start + (at ?? length / 2);
        var chars = text.ToCharArray();
        chars[position] = chars[position] == 'A' ? 'B' : 'A';
        return JsonValue.Create(new string(chars))!;
    }

    private static void Strings(JsonNode? node, string path, List<string> paths)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Strings(v, path.Length == 0 ? k : $"{path}.{k}", paths);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) Strings(a[i], $"{path}[{i}]", paths);
                break;
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0:
                paths.Add(path);
                break;
        }
    }

    private static (JsonNode Parent, object Key) Locate(JsonNode root, string path)
    {
        var tokens = System.Text.RegularExpressions.Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        var node = root;
        for (var i = 0; i < tokens.Count - 1; i++)
            node = tokens[i].StartsWith('[') ? node[int.Parse(tokens[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[tokens[i]]!;
        var last = tokens[^1];
        return last.StartsWith('[') ? (node, int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)) : (node, last);
    }
}
