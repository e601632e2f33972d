using System.Collections.Concurrent;
using CrossBorder.Core.Lifecycle;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// One ministry's examiner during the campaign: takes <see cref="StepPlan.Step"/> on the cases of
/// <see cref="StepPlan.ReadySql"/> as they become ready, as a careful back office does: reads the referral for its ETag
/// and allowed steps, then posts the step with <c>If-Match</c> and one <c>Idempotency-Key</c> for all attempts, until
/// the node answers 200. When the case moved meanwhile (412, or 409 <c>CB0016</c> while a step is in flight), it reads
/// again; a case closed by the other side's step (FR's withdrawal, for GB's decision) is <see cref="Overtaken"/>.
/// </summary>
public sealed class PersistentStepTaker(PersistentClient client, NodeDatabase node, StepPlan plan)
{
    private static readonly TimeSpan ReadAgainAfter = TimeSpan.FromMilliseconds(300);
    private int _readAgain;

    private readonly HashSet<Guid> _picked = [];

    public StepPlan Plan => plan;

    /// <summary>The client it reads and steps through: its answers, retries and give-ups.</summary>
    public PersistentClient Client => client;

    /// <summary>Cases whose step the node acknowledged.</summary>
    public ConcurrentBag<Guid> Taken { get; } = [];

    /// <summary>Cases the other state closed before this step could be taken, with the status they were found in.</summary>
    public ConcurrentDictionary<Guid, string> Overtaken { get; } = new();

    public int Picked => _picked.Count;

    /// <summary>Steps sent again after a new read, because the case had moved (412, or 409 <c>CB0016</c>).</summary>
    public int ReadAgain => _readAgain;

    /// <summary>Looks for ready cases twice a second until <paramref name="until"/> completes, then finishes what it started.</summary>
    public async Task RunAsync(Task until, CancellationToken ct)
    {
        var running = new List<Task>();
        while (!until.IsCompleted)
        {
            List<Guid> ready;
            try
            {
                ready = await node.IdsAsync(plan.ReadySql, ct);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                ready = []; // the database is down for a moment (the schedule crashes it): look again next time
            }

            foreach (var id in ready.Where(_picked.Add))
                running.Add(TakeAsync(id, ct));
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(500), ct), until);
        }

        await Task.WhenAll(running);
    }

    private async Task TakeAsync(Guid id, CancellationToken ct)
    {
        var key = Guid.NewGuid().ToString("N");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (watch.Elapsed > client.GiveUpAfter)
            {
                client.GivenUp.Add($"{plan.Step} on {id}: not allowed for {client.GiveUpAfter.TotalMinutes:F0} min");
                return;
            }

            var read = await client.SendAsync($"read of {id}", () => new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}"), ct);
            if (read is null)
                return; // given up or refused: PersistentClient recorded it
            if (read.ETag is not { } etag)
            {
                client.Wrong.Enqueue($"read of {id} answered without an ETag");
                return;
            }

            var status = read.Body.GetProperty("status").GetString()!;
            if (ReferralStatus.IsClosed(status))
            {
                Overtaken[id] = status;
                return;
            }

            if (!read.Body.GetProperty("allowedSteps").EnumerateArray().Any(s => s.GetString() == plan.Step))
            {
                await Task.Delay(ReadAgainAfter, ct); // a step of either side is still in flight
                continue;
            }

            var answer = await client.SendAsync($"{plan.Step} on {id}",
                () => PersistentClient.PostJson($"api/v1/referrals/{id}/{plan.Step}", plan.Body, key, etag), ct, "412", "409 CB0016");
            if (answer is null)
                return;
            if (answer.Succeeded)
            {
                Taken.Add(id);
                return;
            }

            Interlocked.Increment(ref _readAgain);
            await Task.Delay(ReadAgainAfter, ct); // the case moved since the read: read it again
        }
    }
}

/// <summary>
/// What a <see cref="PersistentStepTaker"/> does: the step (its path segment and body) and the query for the cases it
/// takes it on, once they are ready for it. Cases are chosen by the last byte of the id (random in a UUIDv7; byte 15 of
/// <c>uuid_send</c> is byte 15 of <see cref="Guid.ToByteArray()"/>), in SQL, so a poll reads only the chosen ones.
/// </summary>
public sealed record StepPlan(string Step, byte[] Body, string ReadySql)
{
    /// <summary>GB's examiner accepts one referral in four as they arrive.</summary>
    public static StepPlan GbAccepts(byte[] accept) => new("decision", accept, """
        SELECT id FROM referrals WHERE direction = 'incoming' AND status = 'UNDER_EXAMINATION' AND pending_message_id IS NULL
          AND get_byte(uuid_send(id), 15) % 4 = 0
        """);

    /// <summary>
    /// FR withdraws one referral in four as soon as GB's receipt is in: half of them among those GB accepts (the two
    /// steps race and may cross), half among the others.
    /// </summary>
    public static StepPlan FrWithdraws(byte[] withdrawal) => new("withdrawal", withdrawal, """
        SELECT id FROM referrals WHERE direction = 'outgoing' AND status IN ('UNDER_EXAMINATION', 'ACCEPTED') AND pending_message_id IS NULL
          AND get_byte(uuid_send(id), 15) % 8 IN (0, 2)
        """);
}
