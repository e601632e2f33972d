using System.Diagnostics;
using System.Net;
using System.Threading.RateLimiting;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// The ministries' writes come first: while they keep a replica busy, its outbox sends
/// <c>Exchange:ParallelSendsWhileBusy</c> messages at once, for at most <c>Exchange:MaxBusyDeferral</c> at a stretch;
/// otherwise <c>Exchange:MaxParallelSends</c>.
/// </summary>
public sealed class DeliveryUnderWriteLoadTests
{
    private const int Referrals = 24;

    [Test]
    public async Task WhileWritesKeepTheNodeBusy_TwoSendsAtOnce_SixteenOnceTheyEase_AllDelivered()
    {
        var link = new HeldLink();
        await using var pair = await StartAsync(link, maxBusyDeferral: "00:01:00");
        var writes = pair.Fr.Services.GetRequiredService<WriteLimiter>();
        var seven = new List<RateLimitLease>();
        for (var i = 0; i < 7; i++)
            seven.Add(await writes.AcquireAsync(CancellationToken.None));
        Assert.That(writes.Busy, Is.False, "7 of 32 write slots taken: not busy");
        seven.ForEach(lease => lease.Dispose());

        await using var busy = await BusyWrites.StartAsync(writes);
        Assert.That(writes.Busy, Is.True, "8 of 32 taken");
        await CreateAtFrAsync(pair);
        // Each create's commit woke the outbox: it had every chance to claim more than two.
        await NodePair.EventuallyAsync(() => Task.FromResult(link.Held), n => n == 2, because: "two sends held at the link");
        Assert.That(link.MostHeld, Is.EqualTo(2), "never more than two sends at once while the writes keep FR busy");

        await busy.DisposeAsync();
        await NodePair.EventuallyAsync(() => Task.FromResult(link.Held), n => n == 16, because: "the writes eased: 16 sends at once");
        link.Release();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == Referrals,
            TimeSpan.FromSeconds(60), "every referral delivered");
        Assert.That(link.MostHeld, Is.EqualTo(16), "no more than Exchange:MaxParallelSends");
    }

    [Test]
    public async Task WritesThatKeepTheNodeBusyLongerThanMaxBusyDeferral_TheOutboxSendsAtFullSpeedAgain()
    {
        var link = new HeldLink();
        await using var pair = await StartAsync(link, maxBusyDeferral: "00:00:03");
        var writes = pair.Fr.Services.GetRequiredService<WriteLimiter>();
        var since = Stopwatch.GetTimestamp(); // the deferral cannot have begun before the writes below
        await using var busy = await BusyWrites.StartAsync(writes);
        await CreateAtFrAsync(pair);

        await NodePair.EventuallyAsync(() => Task.FromResult(link.Held), n => n == 16, TimeSpan.FromSeconds(30),
            "busy for longer than Exchange:MaxBusyDeferral: sixteen sends at once again");
        Assert.That(writes.Busy, Is.True, "the writes never eased");
        Assert.That(link.MoreThanTwoAt - since, Is.GreaterThanOrEqualTo(3 * Stopwatch.Frequency),
            "two at once until the deferral's end, 3 s after the writes began");

        await busy.DisposeAsync();
        link.Release();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == Referrals,
            TimeSpan.FromSeconds(60), "every referral delivered");
    }

    private static Task<NodePair> StartAsync(HeldLink link, string maxBusyDeferral) => NodePair.StartAsync(
        adjust: (_, c) =>
        {
            c["Exchange:AttemptTimeout"] = "00:02:00"; // a held send must not time out meanwhile
            c["Exchange:MaxBusyDeferral"] = maxBusyDeferral;
        },
        configure: (country, b) =>
        {
            if (country == "FR") b.Services.AddHttpClient<PeerClient>().AddHttpMessageHandler(() => link);
        });

    private static async Task CreateAtFrAsync(NodePair pair)
    {
        var fr = await pair.Fr.MinistryAsync();
        for (var i = 0; i < Referrals; i++)
            using (var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral()))
                Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    /// <summary>
    /// Writes that keep FR busy: 8 of its 32 write slots taken, and a ninth taken and given back every 50 ms, as a
    /// stream of creates takes them (busy lapses 0.5 s after the last write that found a quarter taken).
    /// </summary>
    private sealed class BusyWrites : IAsyncDisposable
    {
        private readonly List<RateLimitLease> _held = [];
        private readonly CancellationTokenSource _stop = new();
        private Task _stream = Task.CompletedTask;
        private bool _disposed;

        public static async Task<BusyWrites> StartAsync(WriteLimiter writes)
        {
            var busy = new BusyWrites();
            for (var i = 0; i < 8; i++)
                busy._held.Add(await writes.AcquireAsync(CancellationToken.None));
            busy._stream = Task.Run(async () =>
            {
                while (!busy._stop.IsCancellationRequested)
                    using (await writes.AcquireAsync(CancellationToken.None))
                        await Task.Delay(50); // the pace of the simulated writes, not a wait for the system
            });
            return busy;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            await _stop.CancelAsync();
            await _stream;
            _held.ForEach(lease => lease.Dispose());
            _stop.Dispose();
        }
    }

    /// <summary>FR's link to GB: holds every delivery until released, counting how many it holds at once.</summary>
    private sealed class HeldLink : DelegatingHandler
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held, _mostHeld;
        private long _moreThanTwoAt;

        public int Held => Volatile.Read(ref _held);

        public int MostHeld => Volatile.Read(ref _mostHeld);

        /// <summary>When a third delivery was first held (a <see cref="Stopwatch"/> timestamp; 0 while never).</summary>
        public long MoreThanTwoAt => Interlocked.Read(ref _moreThanTwoAt);

        public void Release() => _released.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (!PeerRequests.IsDelivery(request))
                return await base.SendAsync(request, ct);
            var held = Interlocked.Increment(ref _held);
            if (held > 2)
                Interlocked.CompareExchange(ref _moreThanTwoAt, Stopwatch.GetTimestamp(), 0);
            int most;
            while (held > (most = Volatile.Read(ref _mostHeld)) && Interlocked.CompareExchange(ref _mostHeld, held, most) != most) { }
            try { await _released.Task.WaitAsync(ct); }
            finally { Interlocked.Decrement(ref _held); }
            return await base.SendAsync(request, ct);
        }
    }
}
