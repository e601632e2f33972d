using System.Collections.Concurrent;
using System.Net.Http.Headers;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// GB's ministry during the campaign: as referrals reach GB, it accepts one in four (chosen by id) with a
/// <c>decision</c> step, as an examiner would: reads the referral for its ETag, then posts the decision with
/// <c>If-Match</c> and one <c>Idempotency-Key</c> for all attempts, until GB answers 200. The decision goes GB to FR
/// while the same faults run, so the exchange is exercised both ways.
/// </summary>
/// <param name="accept">The decision's body: the contract's example (<c>Contract/Examples/decision-accept.json</c>).</param>
public sealed class PersistentDecider(PersistentClient client, NodeDatabase gb, byte[] accept)
{
    private const string Arrived = """
        SELECT id FROM referrals WHERE direction = 'incoming' AND status = 'UNDER_EXAMINATION' AND pending_message_id IS NULL
        """;

    private readonly HashSet<Guid> _picked = [];

    /// <summary>Referrals whose decision GB acknowledged.</summary>
    public ConcurrentBag<Guid> Decided { get; } = [];

    public int Picked => _picked.Count;

    /// <summary>One in four referrals, by a byte of the id (UUIDv7: random there).</summary>
    public static bool Chosen(Guid id) => id.ToByteArray()[15] % 4 == 0;

    /// <summary>Looks for arrived referrals twice a second until <paramref name="until"/> completes, then finishes what it started.</summary>
    public async Task RunAsync(Task until, CancellationToken ct)
    {
        var running = new List<Task>();
        while (!until.IsCompleted)
        {
            List<Guid> arrived;
            try
            {
                arrived = await gb.IdsAsync(Arrived, ct);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                arrived = []; // the database is down for a moment (the schedule crashes it): look again next time
            }

            foreach (var id in arrived.Where(id => Chosen(id) && _picked.Add(id)))
                running.Add(DecideAsync(id, ct));
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(500), ct), until);
        }

        await Task.WhenAll(running);
    }

    private async Task DecideAsync(Guid id, CancellationToken ct)
    {
        var read = await client.SendAsync($"read of {id}", () => new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}"), ct);
        if (read?.ETag is not { } etag)
            return;
        var key = Guid.NewGuid().ToString("N");
        var decided = await client.SendAsync($"decision on {id}", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/referrals/{id}/decision") { Content = new ByteArrayContent(accept) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            return request;
        }, ct);
        if (decided is not null)
            Decided.Add(id);
    }
}
