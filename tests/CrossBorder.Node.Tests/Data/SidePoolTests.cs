using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Referrals;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// A peer's submission takes its reference number inside its transaction, and a block's refill is a statement of its
/// own. Taken from the main pool, the refill could wait for a connection that only a transaction waiting for that very
/// refill would give back: with every pooled connection held so (a small pool, a peer's backlog), deliveries failed after
/// the pool's timeout, one after another (found with Max Pool Size 8 in `bench write`: FR's outbox stopped draining).
/// </summary>
public sealed class SidePoolTests
{
    [Test]
    public async Task AReferenceBlock_IsRefilled_WhileEveryConnectionOfTheMainPoolIsHeldInATransaction()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await TestDatabase.CreateAsync("sidepool"))
        {
            MaxPoolSize = 1, Timeout = 2, // the pool's one connection held below: another would wait 2 s, then fail
        }.ConnectionString;
        await using var services = new ServiceCollection().AddNodeData(connectionString)
            .AddSingleton(Options.Create(new NodeOptions { Country = "GB" })).AddSingleton<ReferenceNumbers>().BuildServiceProvider();
        await using (var migrate = services.CreateAsyncScope())
            await migrate.ServiceProvider.GetRequiredService<NodeDbContext>().Database.MigrateAsync();

        await using var held = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var transaction = await held.BeginTransactionAsync();
        var references = services.GetRequiredService<ReferenceNumbers>();

        // The first number refills the (empty) block.
        var first = await references.NextAsync(DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.That(first, Does.Match(@"^GB-5-\d{4}-\d{6}$"));
        await Assert.ThatAsync(async () => await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(), Throws.InstanceOf<NpgsqlException>(),
            "the main pool is exhausted indeed: a refill from it would have failed the same way");
    }
}
