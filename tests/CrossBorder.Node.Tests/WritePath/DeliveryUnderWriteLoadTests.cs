using System.Net;
using System.Threading.RateLimiting;
using CrossBorder.Node.Http;
using CrossBorder.Node.Peers;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CrossBorder.Node.Tests.WritePath;

/// <summary>
/// The ministries' writes come first: while they keep a replica busy, its outbox sends
/// <c>Exchange:ParallelSendsWhileBusy</c> messages at once; once they ease, <c>Exchange:MaxParallelSends</c> again.
/// </summary>
public sealed class DeliveryUnderWriteLoadTests
{
    [Test]
    public async Task WhileWritesKeepTheNodeBusy_TwoSendsAtOnce_SixteenOnceTheyEase_AllDelivered()
    {
        const int referrals = 24;
        var link = new HeldLink();
        await using var pair = await NodePair.StartAsync(
            adjust: (_, c) => c["Exchange:AttemptTimeout"] = "00:02:00", // a held send must not time out meanwhile
            configure: (country, b) =>
            {
                if (country == "FR") b.Services.AddHttpClient<PeerClient>().AddHttpMessageHandler(() => link);
            });

        // A quarter of FR's 32 write slots taken, as a burst of creates takes them.
        var writes = pair.Fr.Services.GetRequiredService<WriteLimiter>();
        var slots = new List<RateLimitLease>();
        for (var i = 0; i < 7; i++)
            slots.Add(await writes.AcquireAsync(CancellationToken.None));
        Assert.That(writes.Busy, Is.False, "7 writes running");
        slots.Add(await writes.AcquireAsync(CancellationToken.None));
        Assert.That(writes.Busy, Is.True, "8 writes running");

        var fr = await pair.Fr.MinistryAsync();
        for (var i = 0; i < referrals; i++)
            using (var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral()))
                Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // Each create's commit woke the outbox: it had every chance to claim more than two.
        await NodePair.EventuallyAsync(() => Task.FromResult(link.Held), n => n == 2, because: "two sends held at the link");
        Assert.That(link.MostHeld, Is.EqualTo(2), "never more than two sends at once while the writes keep FR busy");

        foreach (var slot in slots)
            slot.Dispose();
        await NodePair.EventuallyAsync(() => Task.FromResult(link.Held), n => n == 16, because: "the writes eased: 16 sends at once");

        link.Release();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == referrals,
            TimeSpan.FromSeconds(60), "every referral delivered");
        Assert.That(link.MostHeld, Is.EqualTo(16), "no more than Exchange:MaxParallelSends");
    }

    [Test]
    public async Task WritesThatKeepTheNodeBusyLongerThanMaxBusyDeferral_TheOutboxSendsAtFullSpeedAgain()
    {
        const int referrals = 24;
        var link = new HeldLink();
        await using var pair = await NodePair.StartAsync(
            adjust: (_, c) =>
            {
                c["Exchange:AttemptTimeout"] = "00:02:00";
                c["Exchange:MaxBusyDeferral"] = "00:00:03";
            },
            configure: (country, b) =>
            {
                if (country == "FR") b.Services.AddHttpClient<PeerClient>().AddHttpMessageHandler(() => link);
            });
        var writes = pair.Fr.Services.GetRequiredService<WriteLimiter>();
        var slots = new List<RateLimitLease>();
        for (var i = 0; i < 8; i++)
            slots.Add(await writes.AcquireAsync(CancellationToken.None));

        var fr = await pair.Fr.MinistryAsync();
        var busy = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < referrals; i++)
            using (var created = await NodePair.PostReferralAsync(fr, NodePair.ExampleReferral()))
                Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // Writes keep coming (a bulk import): the node stays busy throughout.
        using var importing = new CancellationTokenSource();
        var import = Task.Run(async () =>
        {
            while (!importing.IsCancellationRequested)
                using (await writes.AcquireAsync(CancellationToken.None))
                    await Task.Delay(50); // the pace of the simulated import, not a wait for the system
        });
        await NodePair.EventuallyAsync(() => Task.FromResult(link.Held), n => n == 16, TimeSpan.FromSeconds(30),
            "busy for longer than Exchange:MaxBusyDeferral: sixteen sends at once again");
        Assert.That(writes.Busy, Is.True, "the writes never eased");
        Assert.That(busy.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(2.5)), "not before the deferral's end");

        await importing.CancelAsync();
        await import;
        foreach (var slot in slots)
            slot.Dispose();
        link.Release();
        await NodePair.EventuallyAsync(() => Db.OutgoingAsync(pair.Fr.ConnectionString, "delivered"), n => n == referrals,
            TimeSpan.FromSeconds(60), "every referral delivered");
    }

    /// <summary>FR's link to GB: holds every delivery until released, counting how many it holds at once.</summary>
    private sealed class HeldLink : DelegatingHandler
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held, _mostHeld;

        public int Held => Volatile.Read(ref _held);

        public int MostHeld => Volatile.Read(ref _mostHeld);

        public void Release() => _released.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.EndsWith("/exchange/v1/messages", StringComparison.Ordinal))
                return await base.SendAsync(request, ct);
            var held = Interlocked.Increment(ref _held);
            int most;
            while (held > (most = Volatile.Read(ref _mostHeld)) && Interlocked.CompareExchange(ref _mostHeld, held, most) != most) { }
            try { await _released.Task.WaitAsync(ct); }
            finally { Interlocked.Decrement(ref _held); }
            return await base.SendAsync(request, ct);
        }
    }
}
