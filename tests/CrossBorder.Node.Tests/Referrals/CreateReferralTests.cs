using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CrossBorder.Node.Tests.Infrastructure;
using CrossBorder.Node.Tests.WritePath;
using Npgsql;

namespace CrossBorder.Node.Tests.Referrals;

public sealed class CreateReferralTests
{
    private NodePair _pair = null!;
    private HttpClient _fr = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pair = await NodePair.StartAsync();
        _fr = await _pair.Fr.MinistryAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _pair.DisposeAsync();

    [Test]
    public async Task Create_MissingIdempotencyKey_400Problem()
    {
        using var response = await _fr.PostAsync("api/v1/referrals",
            new StringContent(NodePair.ExampleReferral().ToJsonString(), Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, 400, "CB0003");
    }

    [Test]
    public async Task Create_SameKeySameBody_ReplaysFirstReferral()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key);
        using var second = await NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var a = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var b = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;
        Assert.That(b["id"]!.GetValue<string>(), Is.EqualTo(a["id"]!.GetValue<string>()));
        Assert.That(b["reference"]!.GetValue<string>(), Is.EqualTo(a["reference"]!.GetValue<string>()));
    }

    [Test]
    public async Task Create_SameKeyOtherBody_422Problem()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key);
        var other = NodePair.ExampleReferral();
        other["applicationLodgedOn"] = "2026-10-03";
        var referrals = await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals");
        var misuses = await MisusesAsync();
        using var second = await NodePair.PostReferralAsync(_fr, other, key);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await AssertProblemAsync(second, 422, "CB0004");
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals"), Is.EqualTo(referrals),
            "the second body's rows rolled back with its batch");
        Assert.That(await MisusesAsync(), Is.EqualTo(misuses + 1), "the reuse is a security event in the audit log");

        Task<long> MisusesAsync() => Db.CountAsync(_pair.Fr.ConnectionString,
            "SELECT (SELECT count(*) FROM audit_pending WHERE kind = 'security.idempotency_misuse') + (SELECT count(*) FROM audit_entries WHERE kind = 'security.idempotency_misuse')");
    }

    [Test]
    public async Task Create_KeyHeldByAWriteNotYetCommitted_WaitsForItsCommit_ThenAnswersFromIt()
    {
        var key = Guid.NewGuid().ToString();
        var referrals = await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals");
        // Another request's write holds the key (another body: its hash is not this create's) and has not committed.
        await using var holder = await KeyHolder.HoldAsync(_pair.Fr, key);
        var tx = holder.Transaction;

        var create = NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key);
        await NodePair.EventuallyAsync(() => KeyHolder.WaitersAsync(_pair.Fr), n => n >= 1, TimeSpan.FromSeconds(10),
            "the create's insert of the key waits for the holder");
        Assert.That(create.IsCompleted, Is.False, "no answer while the key's holder runs");
        await tx.CommitAsync();

        using var response = await create;
        await AssertProblemAsync(response, 422, "CB0004");
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals"), Is.EqualTo(referrals),
            "the waiting create's rows rolled back with its batch");
    }

    /// <summary>
    /// A unit of work runs to its end once started, whether or not its caller stays (Http/UnitsRunToTheEnd): a caller that
    /// gives up does not cancel the create's statement (Npgsql's cancel request, synchronous I/O inside the token's
    /// callback, could hold a socket event thread up to the connection timeout), and its retry gets the first answer.
    /// </summary>
    [Test]
    public async Task Create_CallerGivesUpWhileItsStatementWaits_TheCreateStillCommits_TheRetryGetsItsAnswer()
    {
        var key = Guid.NewGuid().ToString();
        var referrals = await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals");
        // Another write holds the key, uncommitted: the create's one-round-trip batch waits on the key's index entry.
        await using var holder = await KeyHolder.HoldAsync(_pair.Fr, key);
        var tx = holder.Transaction;

        using var gaveUp = new CancellationTokenSource();
        var create = NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key, gaveUp.Token);
        await NodePair.EventuallyAsync(() => KeyHolder.WaitersAsync(_pair.Fr), n => n >= 1, TimeSpan.FromSeconds(10),
            "the create's statement waits for the key's holder");
        await gaveUp.CancelAsync();
        await AsyncAssert.CatchAsync<OperationCanceledException>(async () => await create, "the caller gave up");
        // An absence, so a window: a cancelled statement stops waiting within milliseconds of the caller's going.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That(await KeyHolder.WaitersAsync(_pair.Fr), Is.GreaterThanOrEqualTo(1),
            "the create's statement still waits: its caller's departure cancelled nothing");

        await tx.RollbackAsync(); // the holder gives the key up: the create's batch goes on and commits
        await NodePair.EventuallyAsync(() => Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals"),
            n => n == referrals + 1, TimeSpan.FromSeconds(10), "the create committed although its caller had left");
        using var retry = await NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key);
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created), await retry.Content.ReadAsStringAsync());
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals"), Is.EqualTo(referrals + 1),
            "the retry got the first answer: one referral");
    }

    [Test]
    public async Task Create_SameKeyConcurrently_OneReferral_EveryRetryGetsItsAnswer()
    {
        var key = Guid.NewGuid().ToString();
        var before = await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral(), key)));
        var ids = new HashSet<string>();
        foreach (var r in responses)
        {
            // A retry's insert of the key waits for the first request's commit, then answers with the first answer: no
            // "in flight" (409) for a create, whose one round trip is its whole transaction.
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Created), await r.Content.ReadAsStringAsync());
            ids.Add(JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }
        Assert.That(ids, Has.Count.EqualTo(1), "one referral, however many concurrent retries");
        Assert.That(await Db.CountAsync(_pair.Fr.ConnectionString, "SELECT count(*) FROM referrals"), Is.EqualTo(before + 1),
            "the retries' rows rolled back with their batches");
    }

    [Test]
    public async Task Create_SeveralBadFields_400NamesEveryFieldWithoutEchoingValues()
    {
        var body = NodePair.ExampleReferral();
        body["child"]!["dateOfBirth"] = "2031-01-01";
        body["child"]!["nationalities"] = new JsonArray("ZZZ");
        body["familyMembers"] = new JsonArray();
        body["requestedState"] = "DE";
        using var response = await NodePair.PostReferralAsync(_fr, body);
        var problem = await AssertProblemAsync(response, 400, "CB0001");
        var errors = problem["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.SupersetOf(new[]
            { "child.dateOfBirth", "child.nationalities[0]", "familyMembers", "requestedState" }));
        Assert.That(problem.ToJsonString(), Does.Not.Contain("Haile").And.Not.Contain("ZZZ"));
    }

    [Test]
    public async Task Create_UnknownEnumValue_400NamesThePath()
    {
        var body = NodePair.ExampleReferral();
        body["legalBasis"] = "DUBLIN_IV";
        using var response = await NodePair.PostReferralAsync(_fr, body);
        var problem = await AssertProblemAsync(response, 400, "CB0001");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain("legalBasis"));
    }

    [TestCase("{")]
    [TestCase("[]")]
    [TestCase("null")]
    [TestCase("")]
    public async Task Create_MalformedJson_400Problem(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/referrals")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await _fr.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Create_OversizedBody_413ProblemAndNothingStored()
    {
        var before = await CountAsync();
        var body = NodePair.ExampleReferral();
        body["bestInterests"]!["summary"] = new string('x', 300 * 1024);
        using var response = await NodePair.PostReferralAsync(_fr, body);
        await AssertProblemAsync(response, 413, "CB0007");
        Assert.That(await CountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Create_WrongContentType_415Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/referrals")
        {
            Content = new StringContent(NodePair.ExampleReferral().ToJsonString(), Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await _fr.SendAsync(request);
        await AssertProblemAsync(response, 415, "CB0008");
    }

    [Test]
    public async Task Get_UnknownId_404Problem()
    {
        using var response = await _fr.GetAsync($"api/v1/referrals/{Guid.NewGuid()}");
        await AssertProblemAsync(response, 404, "CB0006");
    }

    [Test]
    public async Task List_CursorPaging_VisitsEveryReferralOnce()
    {
        for (var i = 0; i < 5; i++)
            (await NodePair.PostReferralAsync(_fr, NodePair.ExampleReferral())).Dispose();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await NodePair.GetJsonAsync(_fr, "api/v1/referrals?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            seen.AddRange(page["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.That(seen, Is.Unique);
        Assert.That(seen, Is.Ordered);
        Assert.That(seen.Count, Is.EqualTo(await CountAsync()));
    }

    [TestCase("limit=0")]
    [TestCase("limit=100000")]
    [TestCase("cursor=not-a-cursor")]
    [TestCase("direction=sideways")]
    [TestCase("updatedSince=yesterday")]
    public async Task List_BadQuery_400Problem(string query)
    {
        using var response = await _fr.GetAsync($"api/v1/referrals?{query}");
        Assert.That((int)response.StatusCode, Is.EqualTo(400), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    private async Task<int> CountAsync()
    {
        var page = await NodePair.GetJsonAsync(_fr, "api/v1/referrals?limit=200");
        return page["items"]!.AsArray().Count;
    }

    private static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.That(problem["code"]?.GetValue<string>(), Is.EqualTo(code), text);
        Assert.That(problem["traceId"]?.GetValue<string>(), Is.Not.Null.And.Not.Empty);
        return problem;
    }
}
